package io.coronet.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSocket;
import java.net.SocketException;

/**
 * JDK virtual threads with blocking java.net sockets: one virtual thread per connection, straight
 * line code. With the server pinned to one CPU the virtual-thread scheduler has one carrier.
 * The per-connection buffer is 8 KiB (BufferedInputStream's default) so 10,000 connections fit the
 * same fixed heap as the other peers.
 */
final class VirtualThreadServer implements PeerServer {
    private static final int BUFFER_SIZE = 8 * 1024;

    private ServerSocket listener;
    private Protocol protocol;
    private Thread acceptor;
    /** Null for plain TCP. */
    private SSLServerSocketFactory tls;

    @Override
    public InetSocketAddress start(ServerOptions options) throws Exception {
        protocol = options.protocol();
        if (options.tls()) {
            tls = Tls.jdkContext(options).getServerSocketFactory();
        }
        listener = tls != null ? tls.createServerSocket() : new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(options.host(), options.port()), 4096);
        acceptor = Thread.ofVirtual().name("acceptor").start(this::acceptLoop);
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void acceptLoop() {
        Thread.Builder connections = Thread.ofVirtual().name("conn-", 0);
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                connections.start(() -> serve(socket));
            } catch (IOException e) {
                if (listener.isClosed()) return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            if (socket instanceof SSLSocket ssl) {
                ssl.startHandshake(); // in the connection's virtual thread, like coronet's
            }
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] buf = new byte[BUFFER_SIZE];
            if (protocol == Protocol.HANDSHAKE && !handshake(in, out, buf)) return;
            int n;
            while ((n = in.read(buf)) > 0) out.write(buf, 0, n);
        } catch (SocketException e) {
            // reset by the peer: the connection is over
        } catch (IOException e) {
            // any other I/O failure ends this connection only
        }
    }

    /** Reads the greeting, answers it together with whatever followed it. False: close. */
    private static boolean handshake(InputStream in, OutputStream out, byte[] buf) throws IOException {
        Greeting greeting = new Greeting();
        int n;
        while ((n = in.read(buf)) > 0) {
            for (int i = 0; i < n; i++) {
                switch (greeting.feed(buf[i])) {
                    case MORE -> { }
                    case REJECTED -> { return false; }
                    case ACCEPTED -> {
                        int rest = n - i - 1;
                        byte[] reply = new byte[Greeting.REPLY.length + rest];
                        System.arraycopy(Greeting.REPLY, 0, reply, 0, Greeting.REPLY.length);
                        System.arraycopy(buf, i + 1, reply, Greeting.REPLY.length, rest);
                        out.write(reply);
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        listener.close();
        acceptor.join(2000);
    }
}
