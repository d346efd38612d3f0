package io.coronet.peers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * A plain java.nio Selector server, written the way a careful engineer would: one thread, one
 * reused direct read buffer, no allocation per message (the select callback is a field, so not
 * even the selected-key iterator is allocated), and OP_WRITE interest only while a write is
 * partial (the selector is level-triggered, so a permanent OP_WRITE would spin).
 */
final class NioSelectorServer implements PeerServer {
    private static final int BUFFER_SIZE = 64 * 1024;

    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
    private final Consumer<SelectionKey> onReady = this::onReady;
    private Selector selector;
    private ServerSocketChannel listener;
    private Protocol protocol;
    private Thread thread;
    private volatile boolean running = true;

    /** Per-connection state; only allocated once per connection. */
    private static final class Connection {
        Greeting greeting;      // non-null until the handshake line is accepted
        ByteBuffer pending;     // output the kernel has not taken yet
    }

    @Override
    public InetSocketAddress start(ServerOptions options) throws IOException {
        protocol = options.protocol();
        selector = Selector.open();
        listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        listener.bind(new InetSocketAddress(options.host(), options.port()), 4096);
        listener.configureBlocking(false);
        listener.register(selector, SelectionKey.OP_ACCEPT);
        thread = new Thread(this::loop, "nio-selector");
        thread.start();
        return (InetSocketAddress) listener.getLocalAddress();
    }

    private void loop() {
        try {
            while (running) selector.select(onReady);
        } catch (IOException e) {
            if (running) throw new RuntimeException("select failed", e);
        }
    }

    private void onReady(SelectionKey key) {
        try {
            if (key.isAcceptable()) {
                acceptAll();
                return;
            }
            SocketChannel ch = (SocketChannel) key.channel();
            Connection conn = (Connection) key.attachment();
            if (key.isWritable() && !flushPending(key, ch, conn)) return;
            if (key.isReadable()) read(key, ch, conn);
        } catch (IOException | RuntimeException e) {
            closeQuietly(key);
        }
    }

    private void acceptAll() throws IOException {
        SocketChannel ch;
        while ((ch = listener.accept()) != null) {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Connection conn = new Connection();
            if (protocol == Protocol.HANDSHAKE) conn.greeting = new Greeting();
            ch.register(selector, SelectionKey.OP_READ, conn);
        }
    }

    private void read(SelectionKey key, SocketChannel ch, Connection conn) throws IOException {
        for (;;) {
            buffer.clear();
            int n = ch.read(buffer);
            if (n < 0) {
                closeQuietly(key);
                return;
            }
            if (n == 0) return;
            buffer.flip();
            ByteBuffer out = buffer;
            if (conn.greeting != null) {
                out = answerGreeting(conn);
                if (out == null) {
                    if (conn.greeting == null) closeQuietly(key);   // rejected
                    return;                                          // else: line not complete yet
                }
            }
            ch.write(out);
            if (out.hasRemaining()) {
                conn.pending = ByteBuffer.allocate(out.remaining()).put(out).flip();
                key.interestOps(SelectionKey.OP_WRITE);   // stop reading until the output drains
                return;
            }
            // A short read means the socket is empty: the selector will report new data. Only a
            // full buffer is worth another read right away.
            if (n < BUFFER_SIZE) return;
        }
    }

    /**
     * Feeds the buffer to the greeting. Returns the bytes to send ("hello\n" + what followed the
     * line) once it is accepted, else null (greeting set to null if it was rejected).
     */
    private ByteBuffer answerGreeting(Connection conn) {
        while (buffer.hasRemaining()) {
            switch (conn.greeting.feed(buffer.get())) {
                case MORE -> { }
                case REJECTED -> {
                    conn.greeting = null;
                    return null;
                }
                case ACCEPTED -> {
                    conn.greeting = null;
                    ByteBuffer out = ByteBuffer.allocate(Greeting.REPLY.length + buffer.remaining());
                    return out.put(Greeting.REPLY).put(buffer).flip();
                }
            }
        }
        return null;
    }

    /** Returns true when nothing is pending any more. */
    private boolean flushPending(SelectionKey key, SocketChannel ch, Connection conn) throws IOException {
        if (conn.pending == null) return true;
        ch.write(conn.pending);
        if (conn.pending.hasRemaining()) return false;
        conn.pending = null;
        key.interestOps(SelectionKey.OP_READ);
        return true;
    }

    private static void closeQuietly(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing a broken connection: nothing left to do
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        running = false;
        selector.wakeup();
        thread.join(2000);
        for (SelectionKey key : selector.keys()) key.channel().close();
        selector.close();
    }
}
