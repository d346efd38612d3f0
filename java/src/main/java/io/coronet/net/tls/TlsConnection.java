package io.coronet.net.tls;

import io.coronet.coro.ClosedException;
import io.coronet.coro.Coroutine;
import io.coronet.coro.Deadline;
import io.coronet.coro.Offload;
import io.coronet.ffi.NativeBuffer;
import io.coronet.ffi.NativeSockets;
import io.coronet.ffi.SocketAddress;
import io.coronet.loop.EventLoop;
import io.coronet.net.BufferPool;
import io.coronet.net.BufferedOutput;
import io.coronet.net.Connection;
import io.coronet.ffi.IoVector;
import io.coronet.net.Chunk;
import io.coronet.net.LineTooLongException;
import io.coronet.net.TcpConnection;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLProtocolException;
import javax.net.ssl.SSLSession;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A TLS connection for coroutines (the JDK's SSLEngine over a {@link TcpConnection}), with the
 * same reading and writing calls as a plain connection: a handler does not change when its
 * connection is encrypted, only the way the connection is made.
 *
 * <pre>{@code
 * try (TlsConnection c = TlsConnection.connect("example.com", 443, TlsConfig.client().build())) {
 *     c.write("GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
 *     String status = c.readLine(8192);
 * }
 * }</pre>
 *
 * <h2>Outcomes</h2>
 * The handshake runs in the connection's own coroutine under a deadline ({@link
 * TlsConfig#handshakeTimeout()}, 10 s by default: {@link io.coronet.coro.CoroutineTimeoutException}).
 * A failed handshake is an {@link SSLHandshakeException} (the alert goes to the peer first). The
 * peer's close_notify is end of stream ({@code null} / -1); a TCP end of stream without it is a
 * {@link TlsTruncationException}, never a clean EOF. A TLS 1.2 peer asking to renegotiate is
 * refused ({@link SSLProtocolException}); TLS 1.3 has no renegotiation. {@link #close()} sends
 * close_notify.
 *
 * <h2>Buffers</h2>
 * Ciphertext and plaintext live in off-heap {@link RecordBuffers} of the loop, borrowed while
 * bytes are in flight: an idle connection, waiting for the peer, holds none (part of a record or
 * of a line waits in a small buffer of its own). The socket reads
 * into and writes from the very memory the SSLEngine works on (no copy between them); plaintext
 * is copied once, to the caller's buffer or the chunk {@link #receive()} returns.
 *
 * <h2>Costs</h2>
 * A message costs what a plain one does (one read and one write syscall) plus SSLEngine's
 * decryption and encryption. Writes are unbuffered: each returns once the kernel holds the
 * records.
 *
 * <p>Loop-confined; one reader and one writer coroutine may share it.
 */
public final class TlsConnection implements Connection {
    /** Source and destination with no room: what handshake wraps and unwraps are given. */
    private static final ByteBuffer NOTHING = ByteBuffer.allocateDirect(0);

    private final TcpConnection tcp;
    private final EventLoop loop;
    private final SSLEngine engine;
    private final TlsConfig config;
    private final RecordBuffers buffers;
    private final BufferPool chunks;
    /** The largest record SSLEngine may produce or expect, and the most plaintext one record holds. */
    private final int packetSize, plainSize;

    /** Ciphertext received, [netInStart, netInEnd) not yet decrypted; null when there is none. */
    private NativeBuffer netIn;
    private int netInStart, netInEnd;
    /**
     * Part of a record kept while the connection waits for the rest (a slow or stalling peer),
     * [0, parkedLength) in a buffer just big enough instead of a pooled record buffer; or null.
     */
    private NativeBuffer parked;
    private int parkedLength;
    /** Plaintext not handed out yet (a partial line) kept the same way while the connection waits; or null. */
    private NativeBuffer parkedPlain;
    private int parkedPlainLength;
    /** Plaintext decrypted, [appStart, appEnd) not yet handed out; null when there is none. */
    private NativeBuffer appIn;
    private int appStart, appEnd;
    /** Records wrapped, [0, netOutEnd) not yet written; null outside a write. */
    private NativeBuffer netOut;
    private int netOutEnd;

    private boolean handshakeStarted, handshaken;
    /** The peer's close_notify arrived: end of stream. */
    private boolean peerClosed;
    /** A coroutine is inside a write (records may be half on the wire): nobody else may write records now. */
    private boolean writing;
    private boolean closed;
    /** Made on the first {@link #buffered()}. */
    private BufferedOutput out;
    /** Records the buffered writer encrypted that the kernel has not taken yet, [sinkStart, sinkEnd); or null. */
    private NativeBuffer sinkOut;
    private int sinkStart, sinkEnd;

    private TlsConnection(TcpConnection tcp, TlsConfig config, String peerHost, int peerPort) {
        this.tcp = Objects.requireNonNull(tcp, "tcp");
        this.loop = tcp.loop();
        this.config = config;
        this.engine = config.newEngine(peerHost, peerPort);
        this.buffers = RecordBuffers.of(tcp.loop());
        this.chunks = BufferPool.of(tcp.loop());
        SSLSession s = engine.getSession();
        this.packetSize = s.getPacketBufferSize();
        this.plainSize = s.getApplicationBufferSize();
        if (2 * packetSize > RecordBuffers.SIZE || plainSize > RecordBuffers.SIZE / 2) {
            throw new IllegalStateException("SSLEngine wants " + packetSize + "-byte records (jsse.SSLEngine.acceptLargeFragments?);"
                    + " coronet's record buffers hold " + RecordBuffers.SIZE / 2);
        }
    }

    /**
     * Connects to host:port and completes the handshake, from the current coroutine; the whole
     * of it within {@code config}'s handshake timeout. {@code host} is what the certificate is
     * verified against and sent as SNI.
     */
    public static TlsConnection connect(String host, int port, TlsConfig config) throws Exception {
        return connect(host, port, config, config.handshakeTimeout());
    }

    /** {@link #connect(String, int, TlsConfig)} with its own deadline for the TCP connect and the handshake together. */
    public static TlsConnection connect(String host, int port, TlsConfig config, Duration timeout) throws Exception {
        if (config.isServer()) {
            throw new IllegalArgumentException("TlsConnection.connect needs a client config (TlsConfig.client()), not a server's");
        }
        try (Deadline d = Deadline.after(timeout)) {
            TcpConnection tcp = TcpConnection.connect(host, port, timeout);
            TlsConnection tls = null;
            try {
                tls = new TlsConnection(tcp, config, host, port);
                tls.handshake();
                return tls;
            } catch (Exception | Error e) {
                if (tls != null) {
                    tls.close();
                } else {
                    tcp.close();
                }
                throw e;
            }
        }
    }

    /**
     * The server side of TLS over an accepted connection, handshake not yet done: call
     * {@link #handshake()} next ({@link TlsServer#handler} does both). Takes over {@code tcp}.
     */
    public static TlsConnection server(TcpConnection tcp, TlsConfig config) {
        if (!config.isServer()) {
            throw new IllegalArgumentException("TlsConnection.server needs a server config (TlsConfig.server(keys)), not a client's");
        }
        return new TlsConnection(tcp, config, null, -1);
    }

    /** The client side of TLS over a connected {@code tcp} (e.g. after a STARTTLS): {@link #handshake()} next. */
    public static TlsConnection client(TcpConnection tcp, TlsConfig config, String peerHost) {
        if (config.isServer()) {
            throw new IllegalArgumentException("TlsConnection.client needs a client config (TlsConfig.client()), not a server's");
        }
        return new TlsConnection(tcp, config, peerHost, -1);
    }

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public SocketAddress remoteAddress() throws IOException {
        return tcp.remoteAddress();
    }

    @Override
    public SocketAddress localAddress() throws IOException {
        return tcp.localAddress();
    }

    // ---- handshake ---------------------------------------------------------------------------

    /**
     * Runs the handshake in the calling coroutine, within the config's handshake timeout
     * ({@link io.coronet.coro.CoroutineTimeoutException} after it). Returns at once if done.
     * Reads and writes do it first if nobody did.
     */
    public void handshake() throws IOException {
        loop.checkConfined(this);
        if (handshaken) {
            return;
        }
        ensureOpen();
        if (handshakeStarted) {
            throw new IllegalStateException("another coroutine is running this connection's handshake");
        }
        handshakeStarted = true;
        try (Deadline d = Deadline.after(config.handshakeTimeout())) {
            runHandshake();
        } catch (SSLException e) {
            sendAlertNow();
            throw e;
        }
    }

    private void runHandshake() throws IOException {
        engine.beginHandshake();
        HandshakeStatus hs = engine.getHandshakeStatus();
        while (true) {
            switch (hs) {
                case NEED_WRAP -> {
                    ensureOutRoom();
                    SSLEngineResult r = wrapNow(NOTHING);
                    if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                        flushOut();
                        throw new SSLHandshakeException("the TLS handshake ended without a session (an alert was sent)");
                    }
                    hs = r.getHandshakeStatus();
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    flushOut(); // the peer answers only what it has received
                    hs = unwrapHandshake();
                }
                case NEED_TASK -> {
                    runDelegatedTasks();
                    hs = engine.getHandshakeStatus();
                }
                default -> { // FINISHED, or NOT_HANDSHAKING when the engine said FINISHED earlier
                    flushOut();
                    handshaken = true;
                    return;
                }
            }
        }
    }

    /** Feeds the engine one handshake record, reading from the socket as needed. */
    private HandshakeStatus unwrapHandshake() throws IOException {
        while (true) {
            if (netIn != null) {
                // plaintext can follow the peer's Finished in the same read: it needs room then
                SSLEngineResult r = unwrapNow(appIn != null);
                if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                    r = unwrapNow(true);
                }
                switch (r.getStatus()) {
                    case OK -> {
                        return r.getHandshakeStatus();
                    }
                    case CLOSED -> throw new SSLHandshakeException("the peer closed the TLS session during the handshake");
                    case BUFFER_OVERFLOW -> throw new IllegalStateException("SSLEngine wants more plaintext room than a record holds");
                    default -> {
                        // BUFFER_UNDERFLOW: the rest of the record is still on its way
                    }
                }
            }
            readNet();
        }
    }

    /**
     * Delegated tasks are the handshake's crypto (signatures, key agreement, certificate
     * checks): a millisecond or more each, too long for the loop thread, which serves every
     * other connection meanwhile. They run on the offload pool while this coroutine waits,
     * all of one flight in a single hop; the handshake deadline still applies.
     */
    private void runDelegatedTasks() throws IOException {
        try {
            Offload.call(this::runTasksHere);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new SSLException("a TLS handshake task failed: " + e, e);
        }
    }

    private Void runTasksHere() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
        return null;
    }

    // ---- session -----------------------------------------------------------------------------

    /** The negotiated session (protocol, cipher suite, peer certificates); after the handshake. */
    public SSLSession session() {
        requireHandshaken("session");
        return engine.getSession();
    }

    /** "TLSv1.3" or "TLSv1.2". */
    public String protocol() {
        return session().getProtocol();
    }

    /** The ALPN protocol both sides agreed on, or null when none was negotiated. */
    public String applicationProtocol() {
        requireHandshaken("applicationProtocol");
        String p = engine.getApplicationProtocol();
        return p == null || p.isEmpty() ? null : p;
    }

    /** Server side: the host name the client asked for (SNI), lower-case, or null if it sent none. */
    public String requestedServerName() {
        return NamedKeyManager.requestedHostName(session());
    }

    /** The peer's certificate chain (leaf first), or an empty list when it presented none. */
    public List<X509Certificate> peerCertificates() {
        try {
            Certificate[] chain = session().getPeerCertificates();
            return java.util.Arrays.stream(chain).map(c -> (X509Certificate) c).toList();
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
    }

    private void requireHandshaken(String what) {
        if (!handshaken) {
            throw new IllegalStateException(what + "() needs the handshake done; call handshake() first (TlsServer.handler and connect do)");
        }
    }

    // ---- reading -----------------------------------------------------------------------------

    /**
     * Suspends until plaintext arrives and returns it in a pooled chunk (close it when done), or
     * null at the peer's close_notify.
     */
    @Override
    public Chunk receive() throws IOException {
        loop.checkConfined(this);
        if (!hasPlain() && !fillPlain()) {
            return null;
        }
        ByteBuffer plain = appIn.byteBufferView();
        plain.limit(appEnd).position(appStart);
        Chunk c = chunks.copyOf(plain);
        appIn = buffers.release(appIn);
        return c;
    }

    /**
     * Reads at least one byte into buf[offset, offset+length), suspending until some arrive.
     * Returns the count, or -1 at the peer's close_notify.
     */
    @Override
    public int read(NativeBuffer buf, int offset, int length) throws IOException {
        loop.checkConfined(this);
        buf.checkedAddress(offset, length);
        if (length == 0) {
            return 0;
        }
        if (!hasPlain() && !fillPlain()) {
            return -1;
        }
        int n = Math.min(length, appEnd - appStart);
        NativeBuffer.copy(appIn, appStart, buf, offset, n);
        consumePlain(n);
        return n;
    }

    /** Fills buf[offset, offset+length) completely; {@link EOFException} if the stream ends first. */
    @Override
    public void readExactly(NativeBuffer buf, int offset, int length) throws IOException {
        loop.checkConfined(this);
        buf.checkedAddress(offset, length);
        if (length > RecordBuffers.SIZE - plainSize) {
            throw new IllegalArgumentException("readExactly of " + length + " bytes: a TLS connection queues at most "
                    + (RecordBuffers.SIZE - plainSize) + "; read() in a loop for more");
        }
        // gather, copy once all are there: a timeout or cancel leaves them queued for the next read
        while (!hasPlain() || appEnd - appStart < length) {
            if (!fillPlain()) {
                throw new EOFException("TLS session closed after " + (hasPlain() ? appEnd - appStart : 0) + " of " + length + " bytes");
            }
        }
        NativeBuffer.copy(appIn, appStart, buf, offset, length);
        consumePlain(length);
    }

    /**
     * Reads one line ending in "\n" (a "\r" before it is dropped), without the terminator, as
     * UTF-8; bytes after it stay queued. Null at end of stream before any byte; {@link
     * EOFException} mid-line; {@link LineTooLongException} past {@code maxLength} bytes (or
     * past ~19 KiB, what a record buffer keeps while the next record is decrypted).
     */
    @Override
    public String readLine(int maxLength) throws IOException {
        loop.checkConfined(this);
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength < 0");
        }
        int scanned = 0; // plaintext already known to hold no '\n'
        while (true) {
            if (hasPlain()) {
                for (int i = appStart + scanned; i < appEnd; i++) {
                    if (appIn.get(i) == '\n') {
                        return takeLine(i, maxLength);
                    }
                }
                scanned = appEnd - appStart;
                if (scanned > maxLength + 1) { // + 1: room for a '\r' before the '\n'
                    throw new LineTooLongException(maxLength);
                }
            }
            if (!fillPlain()) {
                if (!hasPlain()) {
                    return null;
                }
                throw new EOFException("TLS session closed in the middle of a line");
            }
        }
    }

    /** {@link #readLine(int)} with a deadline for the whole line. */
    @Override
    public String readLine(int maxLength, Duration timeout) throws IOException {
        try (Deadline d = Deadline.after(timeout)) {
            return readLine(maxLength);
        }
    }

    private String takeLine(int newlineAt, int maxLength) throws LineTooLongException {
        int lineEnd = newlineAt;
        if (lineEnd > appStart && appIn.get(lineEnd - 1) == '\r') {
            lineEnd--;
        }
        int length = lineEnd - appStart;
        if (length > maxLength) {
            throw new LineTooLongException(maxLength);
        }
        byte[] bytes = new byte[length];
        appIn.getBytes(appStart, bytes, 0, length);
        consumePlain(newlineAt + 1 - appStart);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** True once the peer's close_notify arrived and every byte before it was handed out. */
    @Override
    public boolean isEof() {
        loop.checkConfined(this);
        return peerClosed && !hasPlain();
    }

    /**
     * Ready when decrypted bytes wait here, at the peer's close_notify, or when the socket has
     * bytes (a record, or part of one: the action's read may then wait for its rest). Looks,
     * never reads or decrypts: a losing clause leaves every byte where it was.
     */
    @Override
    public <R> io.coronet.coro.SelectClause<R> readable(io.coronet.coro.Coroutine.Body<? extends R> action) {
        loop.checkConfined(this);
        return tcp.readable(this::holdsInput, action);
    }

    /**
     * Input of our own a read can return without the socket: plaintext (parked or not), a whole
     * record received but not decrypted yet (the socket is drained then: no edge will come for
     * it), or the end.
     */
    private boolean holdsInput() {
        return (appIn != null && appEnd > appStart) || parkedPlain != null || holdsWholeRecord() || peerClosed || closed;
    }

    /** netIn starts with a complete TLS record: its 5-byte header (type, version, length) and the length's bytes. */
    private boolean holdsWholeRecord() {
        if (netIn == null || netInEnd - netInStart < 5) {
            return false;
        }
        int length = (netIn.get(netInStart + 3) & 0xff) << 8 | (netIn.get(netInStart + 4) & 0xff);
        return netInEnd - netInStart >= 5 + length;
    }

    /** True when decrypted bytes wait to be handed out (brings parked ones back into {@link #appIn} first). */
    private boolean hasPlain() {
        if (parkedPlain != null) {
            unparkPlain();
        }
        return appIn != null && appEnd > appStart;
    }

    private void unparkPlain() {
        appIn = buffers.borrow();
        NativeBuffer.copy(parkedPlain, 0, appIn, 0, parkedPlainLength);
        appStart = 0;
        appEnd = parkedPlainLength;
        parkedPlain.close();
        parkedPlain = null;
    }

    private void consumePlain(int n) {
        appStart += n;
        if (appStart == appEnd) {
            appIn = buffers.release(appIn);
        }
    }

    /**
     * Decrypts until there is more plaintext than before; false at the peer's close_notify.
     * Borrows the plaintext buffer only to decrypt into, and waits for the socket holding no
     * buffer at all unless part of a record or a line is pending.
     */
    private boolean fillPlain() throws IOException {
        handshake();
        while (!peerClosed) {
            if (netIn != null) {
                SSLEngineResult r = unwrapNow(true);
                switch (r.getStatus()) {
                    case OK -> {
                        afterHandshakeStatus(r.getHandshakeStatus());
                        if (r.bytesProduced() > 0) {
                            return true;
                        }
                        continue; // a record without plaintext (a session ticket, a key update)
                    }
                    case CLOSED -> {
                        peerClosed = true; // close_notify: our reply goes out with close()
                        releasePlainIfEmpty();
                        return false;
                    }
                    case BUFFER_OVERFLOW -> throw new IllegalStateException("SSLEngine wants more plaintext room than a record holds");
                    default -> {
                        // BUFFER_UNDERFLOW: read the rest of the record
                    }
                }
            }
            releasePlainIfEmpty();
            readNet();
        }
        return false;
    }

    private void releasePlainIfEmpty() {
        if (appIn != null && appStart == appEnd) {
            appIn = buffers.release(appIn);
        }
    }

    /** Handshake messages after the handshake: TLS 1.3 key updates are answered, TLS 1.2 renegotiation refused. */
    private void afterHandshakeStatus(HandshakeStatus hs) throws IOException {
        while (true) {
            switch (hs) {
                case NEED_TASK -> {
                    refuseRenegotiation();
                    runDelegatedTasks();
                    hs = engine.getHandshakeStatus();
                }
                case NEED_WRAP -> {
                    refuseRenegotiation();
                    if (writing) {
                        return; // the writing coroutine sends it after the records it is writing
                    }
                    writing = true;
                    try {
                        finishWrite();
                    } finally {
                        writing = false;
                        netOut = buffers.release(netOut);
                    }
                    return;
                }
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    refuseRenegotiation();
                    return;
                }
                default -> {
                    return;
                }
            }
        }
    }

    private void refuseRenegotiation() throws SSLException {
        if (!"TLSv1.3".equals(engine.getSession().getProtocol())) {
            SSLProtocolException e = new SSLProtocolException(
                    "the peer asked to renegotiate its TLS 1.2 session; coronet refuses renegotiation (TLS 1.3 and 1.2 without it only)");
            sendAlertNow();
            throw e;
        }
    }

    /** Reads more ciphertext behind what is pending; a TCP end of stream here is a truncation. */
    private void readNet() throws IOException {
        if (!tcp.isReadable()) { // about to wait: what is pending waits in small buffers of its own
            if (netIn != null) {
                park();
            }
            if (appIn != null && appEnd > appStart) {
                parkPlain();
            }
        }
        if (netIn == null) {
            tcp.awaitReadable(); // a silent peer costs no pooled buffer
            netIn = buffers.borrow();
            netInStart = 0;
            netInEnd = 0;
            if (parked != null) {
                NativeBuffer.copy(parked, 0, netIn, 0, parkedLength);
                netInEnd = parkedLength;
                parked.close();
                parked = null;
            }
        } else if (netInStart > 0 && RecordBuffers.SIZE - netInEnd < packetSize) {
            int pending = netInEnd - netInStart;
            netIn.copyWithin(netInStart, 0, pending);
            netInStart = 0;
            netInEnd = pending;
        }
        int n = tcp.read(netIn, netInEnd, RecordBuffers.SIZE - netInEnd);
        if (n < 0) {
            netIn = buffers.release(netIn);
            try {
                engine.closeInbound();
            } catch (SSLException expected) {
                // "closing inbound before receiving peer's close_notify": what we report below
            }
            if (!handshaken) {
                throw new SSLHandshakeException("the peer closed the TCP connection during the TLS handshake");
            }
            throw new TlsTruncationException("the peer closed the TCP connection without a TLS close_notify: what it sent may be cut short");
        }
        netInEnd += n;
    }

    /**
     * A peer that sends part of a record and then waits (a slow link, or a client that stalls
     * its handshake on purpose) would otherwise pin a 36 KiB pooled buffer per connection until
     * its deadline; the few bytes wait in a buffer of their own, copied back when more arrive.
     */
    private void park() {
        int pending = netInEnd - netInStart;
        parked = NativeBuffer.allocate(Math.max(64, pending));
        NativeBuffer.copy(netIn, netInStart, parked, 0, pending);
        parkedLength = pending;
        netIn = buffers.release(netIn);
    }

    /** A partial line waiting for its end: the same, for decrypted bytes (readLine keeps them). */
    private void parkPlain() {
        int pending = appEnd - appStart;
        parkedPlain = NativeBuffer.allocate(Math.max(64, pending));
        NativeBuffer.copy(appIn, appStart, parkedPlain, 0, pending);
        parkedPlainLength = pending;
        appIn = buffers.release(appIn);
    }

    /** One engine.unwrap of the pending ciphertext, into the plaintext buffer or (handshake) nowhere. */
    private SSLEngineResult unwrapNow(boolean toPlain) throws IOException {
        ByteBuffer src = netIn.byteBufferView();
        src.limit(netInEnd).position(netInStart);
        ByteBuffer dst = NOTHING;
        if (toPlain) {
            ensurePlainRoom();
            dst = appIn.byteBufferView();
            dst.position(appEnd);
        }
        SSLEngineResult r = engine.unwrap(src, dst);
        netInStart = src.position();
        if (toPlain) {
            appEnd = dst.position();
        }
        if (netInStart == netInEnd) {
            netIn = buffers.release(netIn);
        }
        return r;
    }

    private void ensurePlainRoom() throws LineTooLongException {
        if (parkedPlain != null) {
            unparkPlain(); // new plaintext goes behind the parked bytes
        }
        if (appIn == null) {
            appIn = buffers.borrow();
            appStart = 0;
            appEnd = 0;
        } else if (appStart == appEnd) {
            appStart = 0;
            appEnd = 0;
        } else if (RecordBuffers.SIZE - appEnd < plainSize) {
            int pending = appEnd - appStart;
            if (RecordBuffers.SIZE - pending < plainSize) {
                throw new LineTooLongException(RecordBuffers.SIZE - plainSize); // only readLine keeps this much
            }
            appIn.copyWithin(appStart, 0, pending);
            appStart = 0;
            appEnd = pending;
        }
    }

    // ---- writing -----------------------------------------------------------------------------

    /** Writes all of {@code chunk}, suspending while the peer's window is full. */
    @Override
    public void send(Chunk chunk) throws IOException {
        loop.checkConfined(this);
        ByteBuffer src = chunk.asReadOnlyByteBuffer(); // encrypted from the chunk's memory: no copy
        beginWrite();
        try {
            while (src.hasRemaining()) {
                ensureOutRoom();
                checkWrapped(wrapNow(src));
            }
            finishWrite();
        } finally {
            endWrite();
        }
    }

    /** Encrypts and writes all of buf[offset, offset+length), suspending while the send buffer is full. */
    @Override
    public void write(NativeBuffer buf, int offset, int length) throws IOException {
        loop.checkConfined(this);
        buf.checkedAddress(offset, length);
        beginWrite();
        try {
            int done = 0;
            while (done < length) {
                ensureOutRoom(); // may suspend: the view's position is set only after it
                ByteBuffer src = buf.byteBufferView();
                src.limit(offset + length).position(offset + done);
                SSLEngineResult r = wrapNow(src);
                done = src.position() - offset;
                checkWrapped(r);
            }
            finishWrite();
        } finally {
            endWrite();
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        loop.checkConfined(this);
        Objects.checkFromIndexSize(offset, length, bytes.length);
        ByteBuffer src = ByteBuffer.wrap(bytes, offset, length); // private to this call: may wait with a position
        beginWrite();
        try {
            while (src.hasRemaining()) {
                ensureOutRoom();
                checkWrapped(wrapNow(src));
            }
            finishWrite();
        } finally {
            endWrite();
        }
    }

    /** Sends what {@link #buffered()} holds, suspending until the kernel took every record. */
    @Override
    public void flush() throws IOException {
        loop.checkConfined(this);
        if (out != null) {
            out.flush();
        }
        drainSinkOut();
    }

    /**
     * The buffered writer; after the handshake (what it buffers is encrypted when it leaves,
     * which needs the session's keys).
     */
    @Override
    public BufferedOutput buffered() {
        loop.checkConfined(this);
        requireHandshaken("buffered");
        BufferedOutput o = out;
        if (o == null) {
            o = out = new BufferedOutput(loop, this, new Sink());
        }
        return o;
    }

    private void beginWrite() throws IOException {
        ensureOpen();
        handshake();
        if (writing) {
            throw new IllegalStateException("another coroutine is writing to this TLS connection; one writer at a time");
        }
        if (out != null) {
            out.flush(); // what was buffered goes first
        }
        drainSinkOut();
        writing = true;
    }

    /** Suspends until every record the buffered writer encrypted is with the kernel. */
    private void drainSinkOut() throws IOException {
        while (!writeSinkOutNow()) {
            tcp.awaitWritable();
        }
    }

    /** True when no record of the buffered writer is left unsent. */
    private boolean writeSinkOutNow() throws IOException {
        if (sinkOut == null) {
            return true;
        }
        sinkStart += tcp.writeNow(sinkOut, sinkStart, sinkEnd - sinkStart);
        if (sinkStart < sinkEnd) {
            return false;
        }
        sinkOut = buffers.release(sinkOut);
        return true;
    }

    /**
     * The buffered writer's transport: encrypts what it is given into records and writes them
     * without waiting. Records the kernel does not take wait in {@link #sinkOut} (a record,
     * once made, must go out whole and in order), and nothing new is encrypted until they are
     * gone. Says 0 while a plain write is in the middle of its records.
     */
    private final class Sink implements BufferedOutput.Sink {
        @Override
        public long writeNow(IoVector ranges) throws IOException {
            if (writing || closed || !handshaken || !writeSinkOutNow() || ranges.count() == 0) {
                return 0;
            }
            NativeBuffer records = buffers.borrow();
            int end = 0;
            long taken = 0;
            try {
                for (int i = 0; i < ranges.count() && RecordBuffers.SIZE - end >= packetSize; i++) {
                    NativeBuffer b = ranges.buffer(i);
                    int off = ranges.offset(i), len = ranges.length(i), done = 0;
                    while (done < len && RecordBuffers.SIZE - end >= packetSize) {
                        ByteBuffer src = b.byteBufferView();
                        src.limit(off + len).position(off + done);
                        ByteBuffer dst = records.byteBufferView();
                        dst.position(end);
                        SSLEngineResult r = engine.wrap(src, dst);
                        if (r.getStatus() != SSLEngineResult.Status.OK) {
                            throw new ClosedException("the TLS session is closed for writing: " + r.getStatus());
                        }
                        end = dst.position();
                        done = src.position() - off;
                    }
                    taken += done;
                    if (done < len) {
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                buffers.release(records);
                throw e;
            }
            sinkOut = records;
            sinkStart = 0;
            sinkEnd = end;
            writeSinkOutNow();
            return taken;
        }

        @Override
        public void awaitWritable() throws IOException {
            drainSinkOut();
            tcp.awaitWritable();
        }

        @Override
        public void whenWritable(Runnable action) {
            tcp.whenWritable(action);
        }
    }

    /** What the reader left for the writer (a key update answer), then everything to the kernel. */
    private void finishWrite() throws IOException {
        while (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            ensureOutRoom();
            if (wrapNow(NOTHING).bytesProduced() == 0) {
                break;
            }
        }
        flushOut();
    }

    private void endWrite() {
        writing = false;
        netOut = buffers.release(netOut);
    }

    private void checkWrapped(SSLEngineResult r) throws IOException {
        if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
            throw new ClosedException("the TLS session is closed for writing (shutdownOutput, close, or a fatal alert)");
        }
        if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            runDelegatedTasks();
        }
    }

    /** Room for one more record in the output buffer: borrowed, or written out to make room. */
    private void ensureOutRoom() throws IOException {
        if (netOut == null) {
            netOut = buffers.borrow();
            netOutEnd = 0;
        } else if (RecordBuffers.SIZE - netOutEnd < packetSize) {
            flushOut();
        }
    }

    /** One engine.wrap into the output buffer, which has a record's room; never suspends. */
    private SSLEngineResult wrapNow(ByteBuffer src) throws SSLException {
        ByteBuffer dst = netOut.byteBufferView();
        dst.position(netOutEnd);
        SSLEngineResult r = engine.wrap(src, dst);
        netOutEnd = dst.position();
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            throw new IllegalStateException("SSLEngine wants more room than a record: " + r);
        }
        return r;
    }

    /** Writes the wrapped records, suspending while the send buffer is full. */
    private void flushOut() throws IOException {
        if (netOut != null && netOutEnd > 0) {
            int n = netOutEnd;
            netOutEnd = 0;
            tcp.write(netOut, 0, n);
        }
        if (!writing) {
            netOut = buffers.release(netOut); // the handshake writes without holding the writer's place
        }
    }

    // ---- closing -----------------------------------------------------------------------------

    /**
     * Half-close: sends close_notify and then FIN; this side can still read what the peer
     * sends (TLS 1.3; a TLS 1.2 peer usually answers with its own close_notify).
     */
    @Override
    public void shutdownOutput() throws IOException {
        loop.checkConfined(this);
        beginWrite();
        try {
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                ensureOutRoom();
                if (wrapNow(NOTHING).bytesProduced() == 0) {
                    break;
                }
            }
            flushOut();
        } finally {
            endWrite();
        }
        tcp.shutdownOutput();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /**
     * Sends close_notify if the socket takes it at once (it always does, unless the peer has
     * stopped reading), gives back every buffer and closes the socket. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        loop.checkConfined(this);
        try {
            if (out != null) {
                out.close(); // what the kernel takes now goes, through the sink, before close_notify
            }
            writeSinkOutNow();
        } catch (IOException | RuntimeException ignored) {
            // the peer is gone: it sees the connection end either way
        }
        closed = true;
        try {
            if (handshaken && !writing && sinkOut == null && !tcp.isClosed()) {
                engine.closeOutbound();
                sendAlertNow();
            }
        } finally {
            netIn = buffers.release(netIn);
            appIn = buffers.release(appIn);
            sinkOut = buffers.release(sinkOut);
            if (parked != null) {
                parked.close();
                parked = null;
            }
            if (parkedPlain != null) {
                parkedPlain.close();
                parkedPlain = null;
            }
            if (!writing) {
                netOut = buffers.release(netOut);
            }
            tcp.close();
        }
    }

    /**
     * What the engine has to say on its way out (close_notify, or the alert of a failed
     * handshake), in one write that does not wait: a peer that does not read gets nothing, as
     * it would from any server closing on it. Never throws.
     */
    private void sendAlertNow() {
        if (writing || tcp.isClosed()) {
            return;
        }
        NativeBuffer out = buffers.borrow();
        try {
            int end = 0;
            for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                ByteBuffer dst = out.byteBufferView();
                dst.position(end);
                SSLEngineResult r = engine.wrap(NOTHING, dst);
                end = dst.position();
                if (r.bytesProduced() == 0 || RecordBuffers.SIZE - end < packetSize) {
                    break;
                }
            }
            if (end > 0) {
                NativeSockets.write(tcp.fd(), out, 0, end);
            }
        } catch (IOException | RuntimeException ignored) {
            // the peer is gone or the engine has nothing to say: it will see the connection end
        } finally {
            buffers.release(out);
        }
    }

    private void ensureOpen() throws ClosedException {
        if (closed) {
            throw new ClosedException("this TLS connection is closed");
        }
    }

    @Override
    public String toString() {
        return "TlsConnection[fd=" + tcp.fd() + (closed ? ", closed" : handshaken ? ", " + engine.getSession().getProtocol() : ", handshaking")
                + "]";
    }
}
