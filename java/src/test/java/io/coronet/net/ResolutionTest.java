package io.coronet.net;

import io.coronet.coro.Coroutine;
import io.coronet.coro.CoroutineTimeoutException;
import io.coronet.coro.Offload;
import io.coronet.coro.Task;
import io.coronet.ffi.NativeSockets;
import io.coronet.ffi.UnresolvedHostException;
import io.coronet.loop.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Name resolution off the loop, typed resolver failures, happy eyeballs, IPv6. Real sockets on loopback. */
class ResolutionTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    EventLoop loop;

    @BeforeEach
    void start() throws Exception {
        loop = EventLoop.start("resolution-test");
    }

    @AfterEach
    void stop() throws Exception {
        loop.shutdown(Duration.ofMillis(100));
        assertTrue(loop.awaitTermination(WAIT));
    }

    private <T> T run(Coroutine.Body<T> body) throws Exception {
        return Coroutine.spawn(loop, body).join(WAIT);
    }

    // ---- issue 11 item 4: resolver failures are their own type, not a misleading errno ----------

    @Test
    void anUnknownHostIsAnUnresolvedHostExceptionWithTheResolversReason() throws Exception {
        UnresolvedHostException e = assertThrows(UnresolvedHostException.class,
                () -> run(() -> TcpConnection.connect("no-such-host.invalid", 80, Duration.ofSeconds(20))));
        assertEquals("no-such-host.invalid", e.host());
        assertTrue(e.reason().startsWith("EAI_"), e.reason()); // EAI_NONAME, or EAI_AGAIN without a name server
        assertTrue(e.getMessage().contains("no-such-host.invalid") && e.getMessage().contains(e.reason()), e.getMessage());
        assertFalse(e.getMessage().contains("ENOENT") || e.getMessage().contains("No such file"), e.getMessage());
        assertFalse(e.getMessage().contains("EHOSTUNREACH"), e.getMessage());
    }

    @Test
    void listeningOnAnUnknownNameIsAnUnresolvedHostExceptionToo() throws Exception {
        UnresolvedHostException e = assertThrows(UnresolvedHostException.class,
                () -> run(() -> TcpListener.bind("no-such-host.invalid", 0, 16, false)));
        assertTrue(e.getMessage().contains("no-such-host.invalid"), e.getMessage());
        // and the blocking wrapper a platform thread may call reports it the same way
        UnresolvedHostException direct = assertThrows(UnresolvedHostException.class,
                () -> NativeSockets.listen("no-such-host.invalid", 0, 16, false));
        assertFalse(direct.getMessage().contains("ENOENT"), direct.getMessage());
    }

    @Test
    void aNameIsResolvedOnTheOffloadPoolAndANumericAddressNeedsNoLookup() throws Exception {
        assertEquals(List.of("127.0.0.1"), Resolver.resolve("127.0.0.1", 80));
        assertEquals(List.of("::1"), Resolver.resolve("::1", 80));
        assertTrue(Resolver.isNumeric("::1"));
        assertFalse(Resolver.isNumeric("localhost"));
        String[] where = run(() -> {
            List<String> a = Resolver.resolve("localhost", 80);
            return new String[] {String.valueOf(a), String.valueOf(Offload.sharedPool())};
        });
        assertTrue(where[0].contains("127.0.0.1") || where[0].contains("::1"), where[0]);
        assertTrue(where[1].contains("coronet-offload"), "the lookup did not go through the offload pool: " + where[1]);
    }

    @Test
    void resolvingANameOnALoopThreadOutsideACoroutineIsRefused() throws Exception {
        Task<Throwable> t = new Task<>();
        loop.execute(() -> {
            try {
                Resolver.resolve("localhost", 80);
                t.complete(null);
            } catch (Throwable e) {
                t.complete(e);
            }
        });
        Throwable e = t.join(WAIT);
        assertInstanceOf(IllegalStateException.class, e);
        assertTrue(e.getMessage().contains("numeric address"), e.getMessage());
    }

    // ---- localhost, happy eyeballs ---------------------------------------------------------------

    @Test
    void localhostReachesAServerOn127001Only() throws Exception {
        String peer = run(() -> {
            try (TcpListener l = TcpListener.bind("127.0.0.1", 0, 16, false)) {
                int port = l.port();
                Task<String> server = Coroutine.spawn(loop, () -> {
                    try (TcpConnection c = l.accept()) {
                        return c.readLine(100);
                    }
                });
                try (TcpConnection c = TcpConnection.connect("localhost", port, Duration.ofSeconds(20))) {
                    c.write("hi\n");
                    assertEquals("hi", server.await());
                    return c.remoteAddress().host();
                }
            }
        });
        assertEquals("127.0.0.1", peer);
    }

    @Test
    void whenTheResolverListsV6FirstARefusedV6MovesOnToV4AtOnce() throws Exception {
        // what connect("localhost") does with a hosts file that says "::1 localhost" first
        String peer = run(() -> {
            try (TcpListener l = TcpListener.bind("127.0.0.1", 0, 16, false)) {
                int port = l.port();
                Task<Void> server = Coroutine.launch(loop, () -> l.accept().close());
                long start = System.nanoTime();
                // an hour of attempt delay: only the refusal of ::1 can start the v4 attempt
                try (TcpConnection c = new TcpConnection(Connector.connect(loop, "localhost", port,
                        List.of("::1", "127.0.0.1"), Duration.ofHours(1).toNanos(), start))) {
                    server.await();
                    return c.remoteAddress().host();
                }
            }
        });
        assertEquals("127.0.0.1", peer);
    }

    @Test
    void aV6AddressThatNeverAnswersIsOvertakenByV4AfterTheAttemptDelayAndClosed() throws Exception {
        Blackhole hole = Blackhole.onV6();
        try {
            String peer = run(() -> {
                try (TcpListener l = TcpListener.bind("127.0.0.1", hole.port, 16, false)) {
                    Task<Void> server = Coroutine.launch(loop, () -> l.accept().close());
                    try (TcpConnection c = new TcpConnection(Connector.connect(loop, "dual", hole.port,
                            List.of("::1", "127.0.0.1"), Duration.ofMillis(50).toNanos(), System.nanoTime()))) {
                        server.await();
                        return c.remoteAddress().host();
                    }
                }
            });
            assertEquals("127.0.0.1", peer);
        } finally {
            hole.close();
        }
    }

    @Test
    void aTimeoutNamesTheHostAndWhatWasStillConnecting() throws Exception {
        Blackhole hole = Blackhole.onV6();
        try {
            CoroutineTimeoutException e = assertThrows(CoroutineTimeoutException.class, () -> run(() ->
                    Coroutine.withTimeout(Duration.ofMillis(200), () -> Connector.connect(loop, "stuck.example", hole.port,
                            List.of("::1"), Duration.ofMillis(50).toNanos(), System.nanoTime()))));
            assertTrue(e.getMessage().contains("connect(stuck.example:" + hole.port + ")"), e.getMessage());
            assertTrue(e.getMessage().contains("[::1]:" + hole.port + " (still connecting)"), e.getMessage());
        } finally {
            hole.close();
        }
    }

    @Test
    void whenEveryAddressFailsTheErrorNamesTheHostAndEachAddress() throws Exception {
        int port = run(() -> {
            try (TcpListener l = TcpListener.bind("127.0.0.1", 0, 1, false)) {
                return l.port();
            }
        });
        ConnectFailedException e = assertThrows(ConnectFailedException.class, () -> run(() ->
                new TcpConnection(Connector.connect(loop, "somehost", port, List.of("127.0.0.1", "::1"),
                        Duration.ofMillis(50).toNanos(), System.nanoTime()))));
        String m = e.getMessage();
        assertTrue(m.startsWith("connect(somehost:" + port + "): every address failed: "), m);
        assertTrue(m.contains("127.0.0.1:" + port + " ECONNREFUSED"), m);
        assertTrue(m.contains("[::1]:" + port), m);
        assertEquals(List.of("127.0.0.1:" + port, "[::1]:" + port), e.addresses());
        assertEquals(2, e.getSuppressed().length);
    }

    @Test
    void addressesAreInterleavedByFamilyStartingWithTheFirst() {
        assertEquals(List.of("::1", "10.0.0.1", "::2", "10.0.0.2", "10.0.0.3"),
                Connector.interleave(List.of("::1", "::2", "10.0.0.1", "10.0.0.2", "10.0.0.3")));
        assertEquals(List.of("10.0.0.1", "::1", "10.0.0.2"),
                Connector.interleave(List.of("10.0.0.1", "10.0.0.2", "::1")));
    }

    // ---- IPv6 ------------------------------------------------------------------------------------

    @Test
    void listenAndConnectOnV6Loopback() throws Exception {
        assumeTrue(hasV6Loopback(), "no IPv6 loopback (::1) on this machine");
        String got = run(() -> {
            try (TcpListener l = TcpListener.bind("::1", 0, 16, false)) {
                assertEquals("::1", l.localAddress().host());
                Task<String> server = Coroutine.spawn(loop, () -> {
                    try (TcpConnection c = l.accept()) {
                        return c.readLine(100) + " from " + c.remoteAddress().host();
                    }
                });
                try (TcpConnection c = TcpConnection.connect("::1", l.port(), Duration.ofSeconds(20))) {
                    c.write("six\n");
                    return server.await();
                }
            }
        });
        assertEquals("six from ::1", got);
    }

    @Test
    void listeningOnTheV6WildcardAcceptsV6AndV4() throws Exception {
        assumeTrue(hasV6Loopback(), "no IPv6 loopback (::1) on this machine");
        List<String> peers = run(() -> {
            try (TcpListener l = TcpListener.bind("::", 0, 16, false)) {
                List<String> out = new ArrayList<>();
                for (String target : List.of("::1", "127.0.0.1")) {
                    Task<String> server = Coroutine.spawn(loop, () -> {
                        try (TcpConnection c = l.accept()) {
                            return c.readLine(100);
                        }
                    });
                    try (TcpConnection c = TcpConnection.connect(target, l.port(), Duration.ofSeconds(20))) {
                        c.write(target + "\n");
                        out.add(server.await());
                    }
                }
                return out;
            }
        });
        assertEquals(List.of("::1", "127.0.0.1"), peers);
    }

    private static boolean hasV6Loopback() {
        try {
            NativeSockets.close(NativeSockets.listen("::1", 0, 1, false));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A port on ::1 where a connect never completes: a listener with a backlog of 1 whose queue
     * is filled by connections nobody accepts, so the kernel drops further SYNs (the client
     * keeps retrying; connect stays in progress). Closed by the test.
     */
    static final class Blackhole implements AutoCloseable {
        final int port;
        private final int listenFd;
        private final List<Socket> fillers = new ArrayList<>();

        private Blackhole(int listenFd, int port) {
            this.listenFd = listenFd;
            this.port = port;
        }

        static Blackhole onV6() throws IOException {
            assumeTrue(hasV6Loopback(), "no IPv6 loopback (::1) on this machine");
            int fd = -1;
            for (int attempt = 0; attempt < 20 && fd < 0; attempt++) {
                // the tests listen on 127.0.0.1 at the same port: take a port whose v4 twin is free
                // too (the machine may run other servers; a probe keeps the race to microseconds)
                int v6 = NativeSockets.listen("::1", 0, 1, false);
                try {
                    NativeSockets.close(NativeSockets.listen("127.0.0.1", NativeSockets.localPort(v6), 1, false));
                    fd = v6;
                } catch (io.coronet.ffi.AddressInUseException taken) {
                    NativeSockets.close(v6);
                }
            }
            assumeTrue(fd >= 0, "no port free on both ::1 and 127.0.0.1 in 20 tries");
            Blackhole h = new Blackhole(fd, NativeSockets.localPort(fd));
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress("::1", h.port), 300);
                    h.fillers.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    return h; // the queue is full: the next connect hangs too
                }
            }
            h.close();
            assumeTrue(false, "could not fill a listen queue on ::1 (this kernel accepts beyond the backlog)");
            return null;
        }

        @Override
        public void close() throws IOException {
            for (Socket s : fillers) {
                s.close();
            }
            NativeSockets.close(listenFd);
        }
    }
}
