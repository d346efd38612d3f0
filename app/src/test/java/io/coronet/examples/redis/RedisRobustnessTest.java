package io.coronet.examples.redis;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Peers that misbehave or are many: none of them kills the server or disturbs another client.
 * A healthy client keeps running INCR alongside and checks every reply.
 */
class RedisRobustnessTest extends RedisFixture {
    static final long SEED = Long.getLong("coronet.redis.fuzz.seed", 20261202L);
    static final int FUZZ_CASES = Integer.getInteger("coronet.redis.fuzz.cases", 600);

    /** INCRs a counter of its own on one connection until stopped; fails on any wrong reply. */
    final class HealthyClient implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong count = new AtomicLong();
        final Thread thread;
        volatile Throwable failure;

        HealthyClient() {
            thread = new Thread(() -> {
                try (Socket s = connect()) {
                    for (long i = 1; !stop.get(); i++) {
                        String expect = ":" + i + "\r\n";
                        assertEquals(expect, roundTrip(s, resp("INCR", "healthy"), expect.length()));
                        count.set(i);
                    }
                } catch (Throwable t) {
                    failure = t;
                }
            }, "healthy-client");
            thread.start();
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            thread.join(30_000);
            assertFalse(thread.isAlive(), "healthy client hung");
            if (failure != null) {
                throw new AssertionError("the healthy client failed", failure);
            }
            assertTrue(count.get() > 0, "the healthy client got no reply at all");
        }
    }

    @Test
    void malformedInputNeverKillsTheServerOrAnotherClient() throws Exception {
        Random rnd = new Random(SEED);
        String[] valid = {resp("SET", "f", "v"), resp("GET", "f"), resp("INCR", "n"), resp("MSET", "a", "1", "b", "2"),
                "PING\r\n", resp("ECHO", "x".repeat(100))};
        try (HealthyClient healthy = new HealthyClient()) {
            for (int c = 0; c < FUZZ_CASES; c++) {
                byte[] input = switch (c % 5) {
                    case 0 -> { // random bytes
                        byte[] b = new byte[1 + rnd.nextInt(2000)];
                        rnd.nextBytes(b);
                        yield b;
                    }
                    case 1 -> { // a valid pipeline truncated anywhere
                        String p = valid[rnd.nextInt(valid.length)] + valid[rnd.nextInt(valid.length)];
                        yield p.substring(0, rnd.nextInt(p.length())).getBytes(StandardCharsets.ISO_8859_1);
                    }
                    case 2 -> { // huge or nonsense lengths
                        String[] heads = {"*2147483648\r\n", "*1\r\n$2147483647\r\n", "*1\r\n$-5\r\n", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$999999999999\r\n",
                                "$5\r\nhello\r\n", "*-9\r\n", "*1\r\n$67108865\r\n", "*1048577\r\n"};
                        yield heads[rnd.nextInt(heads.length)].getBytes(StandardCharsets.ISO_8859_1);
                    }
                    case 3 -> { // a valid request with bytes flipped
                        byte[] b = (valid[rnd.nextInt(valid.length)] + valid[rnd.nextInt(valid.length)]).getBytes(StandardCharsets.ISO_8859_1);
                        for (int k = 0; k < 1 + rnd.nextInt(3); k++) {
                            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                        }
                        yield b;
                    }
                    default -> { // a long line with no end
                        byte[] b = new byte[70_000 + rnd.nextInt(10_000)];
                        java.util.Arrays.fill(b, (byte) (rnd.nextBoolean() ? 'a' : '1'));
                        b[0] = (byte) (rnd.nextBoolean() ? '*' : 'G');
                        yield b;
                    }
                };
                try (Socket s = connect()) {
                    s.setSoLinger(true, 0); // some cases reset: the server must take that too
                    s.getOutputStream().write(input);
                    s.getOutputStream().flush();
                    if (rnd.nextBoolean()) {
                        s.shutdownOutput();
                        drain(s); // whatever the server answers, it ends the stream
                    }
                } catch (IOException peerClosedFirst) {
                    // the server closed on a protocol error while we were still writing: fine
                }
            }
            // the server still serves new clients
            try (Socket s = connect()) {
                assertEquals("+PONG\r\n", roundTrip(s, resp("PING"), 7));
            }
        }
        await("fuzz connections to be closed", () -> server.openConnections() == 0);
    }

    private static void drain(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        byte[] b = new byte[8192];
        while (in.read(b) >= 0) {
            // until the server closes
        }
    }

    @Test
    void aClientThatDisconnectsMidPipelineHurtsNobody() throws Exception {
        try (HealthyClient healthy = new HealthyClient()) {
            for (int round = 0; round < 20; round++) {
                StringBuilder p = new StringBuilder();
                for (int i = 0; i < 5000; i++) {
                    p.append(resp("SET", "pipe:" + i, "value-" + i));
                }
                String full = p.toString();
                try (Socket s = connect()) {
                    if (round % 2 == 0) {
                        s.setSoLinger(true, 0); // a reset with our replies unread
                    }
                    // everything at once, then gone without reading a reply; half the rounds cut mid-frame
                    String sent = round % 4 < 2 ? full : full.substring(0, full.length() / 2 + 3);
                    s.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    s.getInputStream().readNBytes(100); // a few replies, not all
                } catch (IOException reset) {
                    // the server's replies raced our close: fine
                }
            }
        }
        try (Socket s = connect()) {
            assertEquals("$10\r\nvalue-4999\r\n", roundTrip(s, resp("GET", "pipe:4999"), 17));
        }
        await("cut connections to be closed", () -> server.openConnections() == 0);
    }

    @Test
    void aThousandConcurrentClients() throws Exception {
        int n = 1000;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(connect());
            }
            await("1000 connections open", () -> server.openConnections() == n);
            // every connection sends before any reads: all 1000 have a request in flight at once
            for (int i = 0; i < n; i++) {
                send(sockets.get(i), resp("SET", "client:" + i, "v" + i) + resp("INCR", "clients") + resp("GET", "client:" + i));
            }
            long incrSum = 0;
            for (int i = 0; i < n; i++) {
                Socket s = sockets.get(i);
                assertEquals("+OK\r\n", receive(s, 5));
                String incr = readLine(s);
                assertTrue(incr.startsWith(":"), incr);
                incrSum += Long.parseLong(incr.substring(1));
                String value = "v" + i;
                String bulk = "$" + value.length() + "\r\n" + value + "\r\n";
                assertEquals(bulk, receive(s, bulk.length()));
            }
            // INCR is atomic across the two loops: the replies are exactly 1..1000
            assertEquals((long) n * (n + 1) / 2, incrSum);
            // and redis-cli processes join while the 1000 are open
            if (RedisTools.find("redis-cli") != null) {
                ExecutorService pool = Executors.newFixedThreadPool(8);
                try {
                    List<Future<RedisTools.Result>> results = new ArrayList<>();
                    for (int i = 0; i < 100; i++) {
                        results.add(pool.submit(() -> RedisTools.cli(port(), null, "INCR", "cli-clients")));
                    }
                    for (Future<RedisTools.Result> f : results) {
                        RedisTools.Result r = f.get(60, TimeUnit.SECONDS);
                        assertEquals(0, r.exitCode(), r.stderr());
                    }
                } finally {
                    pool.shutdownNow();
                }
                assertEquals("100\n", RedisTools.cli(port(), null, "GET", "cli-clients").out());
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static String readLine(Socket s) throws IOException {
        StringBuilder b = new StringBuilder();
        InputStream in = s.getInputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("stream ended in a line");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
