package io.coronet.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

/**
 * A well-behaved or deliberately bad client on blocking java.net sockets: an implementation
 * independent of coronet, so both sides are not wrong in the same way.
 */
public final class Peer implements AutoCloseable {
    public static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.US_ASCII);
    /** How long a read may block before the test calls the server hung. */
    public static final int READ_TIMEOUT_MS = 20_000;

    public final Socket socket;
    public final InputStream in;
    public final OutputStream out;

    private Peer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    public static Peer connect(String host, int port) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), 10_000);
            s.setSoTimeout(READ_TIMEOUT_MS);
            s.setTcpNoDelay(true);
            return new Peer(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    public static Peer connect(Daemon d) throws IOException {
        return connect(d.host(), d.port());
    }

    /** Sends "hello\n" and expects "hello\n" back. */
    public Peer handshake() throws IOException {
        out.write(HELLO);
        byte[] reply = readExactly(HELLO.length);
        if (!Arrays.equals(reply, HELLO)) {
            throw new IOException("handshake reply was " + Arrays.toString(reply));
        }
        return this;
    }

    public void send(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    public byte[] readExactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("expected " + n + " bytes, stream ended after " + b.length);
        }
        return b;
    }

    /** Sends {@code payload} and checks that exactly it comes back. */
    public void echo(byte[] payload) throws IOException {
        send(payload);
        byte[] back = readExactly(payload.length);
        if (!Arrays.equals(back, payload)) {
            throw new IOException("echo mismatch in " + payload.length + " bytes");
        }
    }

    /**
     * True if the server ends the connection (EOF or reset) within {@code timeout}, false if it
     * is still open then. Bytes that arrive first are skipped.
     */
    public boolean closedByServerWithin(Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            byte[] sink = new byte[4096];
            long end = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < end) {
                if (in.read(sink) < 0) {
                    return true;
                }
            }
            return false;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true; // "Connection reset": closed with unread data on its side
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(READ_TIMEOUT_MS);
            }
        }
    }

    /** Close with RST instead of FIN (SO_LINGER 0, see socket(7)). */
    public void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /**
     * A fresh connection that does the handshake (for the handshake protocol) and echoes a few
     * random payloads: proof that the daemon still serves others.
     */
    public static void control(Daemon d, boolean handshake) throws IOException {
        Random r = new Random(d.port());
        try (Peer p = connect(d)) {
            if (handshake) {
                p.handshake();
            }
            for (int size : new int[] {1, 100, 4096, 65536}) {
                byte[] b = new byte[size];
                r.nextBytes(b);
                p.echo(b);
            }
        }
    }

    public static void control(Daemon d) throws IOException {
        control(d, true);
    }
}
