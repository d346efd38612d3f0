package io.coronet.peers;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Redis-protocol peer: what a user would write with JDK virtual threads and blocking
 * sockets instead of coronet. One virtual thread per connection, straight-line RESP parsing on a
 * BufferedInputStream, replies on a BufferedOutputStream flushed when no more input is already
 * buffered (so a pipeline is answered with one write, as a careful user would do), a
 * ConcurrentHashMap store. Commands: PING, ECHO, GET, SET key value, CONFIG GET (empty: for
 * redis-benchmark), others an error. Enough for {@code redis-benchmark -t set,get,ping}.
 */
final class VirtualThreadRedisServer implements PeerServer {
    private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "+PONG\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NIL = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_BULK = 64 << 20;
    private static final int MAX_ARGS = 1024 * 1024;

    /** A byte[] key with content equality. */
    private record Key(byte[] bytes, int hash) {
        Key(byte[] bytes) {
            this(bytes, Arrays.hashCode(bytes));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final ConcurrentHashMap<Key, byte[]> store = new ConcurrentHashMap<>();
    private ServerSocket listener;

    @Override
    public InetSocketAddress start(ServerOptions options) throws IOException {
        listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(new InetSocketAddress(options.host(), options.port()), 4096);
        Thread.ofVirtual().name("acceptor").start(this::acceptLoop);
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
            BufferedInputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            BufferedOutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
            byte[][] args;
            while ((args = readCommand(in)) != null) {
                execute(args, out);
                if (in.available() == 0) {
                    out.flush(); // nothing more already here: answer what we have in one write
                }
            }
            out.flush();
        } catch (IOException e) {
            // peer gone or protocol error: this connection ends
        }
    }

    private void execute(byte[][] args, OutputStream out) throws IOException {
        if (args.length == 0) {
            return;
        }
        String name = new String(args[0], StandardCharsets.US_ASCII).toLowerCase();
        switch (name) {
            case "ping" -> out.write(PONG);
            case "echo" -> bulk(out, args.length == 2 ? args[1] : null);
            case "get" -> {
                if (args.length != 2) {
                    error(out, "ERR wrong number of arguments for 'get' command");
                } else {
                    bulk(out, store.get(new Key(args[1])));
                }
            }
            case "set" -> {
                if (args.length != 3) {
                    error(out, "ERR syntax error");
                } else {
                    store.put(new Key(args[1]), args[2]);
                    out.write(OK);
                }
            }
            case "config" -> out.write("*0\r\n".getBytes(StandardCharsets.US_ASCII));
            default -> error(out, "ERR unknown command '" + name + "'");
        }
    }

    private static void bulk(OutputStream out, byte[] value) throws IOException {
        if (value == null) {
            out.write(NIL);
            return;
        }
        out.write(('$' + Integer.toString(value.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(value);
        out.write(CRLF);
    }

    private static void error(OutputStream out, String text) throws IOException {
        out.write(('-' + text + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** One request (multibulk, or an inline line), or null at end of stream. */
    private static byte[][] readCommand(InputStream in) throws IOException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        if (first != '*') {
            String line = (char) first + readLine(in);
            return Arrays.stream(line.trim().split("\\s+")).filter(s -> !s.isEmpty())
                    .map(s -> s.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        }
        int count = Integer.parseInt(readLine(in));
        if (count > MAX_ARGS) {
            throw new IOException("too many arguments");
        }
        byte[][] args = new byte[Math.max(count, 0)][];
        for (int i = 0; i < count; i++) {
            if (in.read() != '$') {
                throw new IOException("expected '$'");
            }
            int length = Integer.parseInt(readLine(in));
            if (length < 0 || length > MAX_BULK) {
                throw new IOException("invalid bulk length");
            }
            byte[] arg = in.readNBytes(length);
            if (arg.length != length || in.read() != '\r' || in.read() != '\n') {
                throw new EOFException("request cut off");
            }
            args[i] = arg;
        }
        return args;
    }

    /** A line up to "\r\n" (or "\n"), without it. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder(16);
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException("line cut off");
            }
            if (c != '\r') {
                b.append((char) c);
            }
            if (b.length() > 64 * 1024) {
                throw new IOException("line too long");
            }
        }
        return b.toString();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
