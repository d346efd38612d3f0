package io.coronet.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A verifying load client: many connections, each streaming a known byte sequence through the
 * echo (after the handshake) and checking every byte that comes back, then half-closing and
 * expecting the rest of its echo followed by a clean EOF. Nothing sent may be lost, duplicated,
 * reordered or delivered to another connection.
 *
 * <p>The stream of connection {@code i} at offset {@code o} is {@code PATTERN[(base_i + o) mod P]}
 * with P prime (65521), so chunk boundaries never line up with the pattern, and a per-connection
 * base makes bytes from the wrong connection or the wrong offset a mismatch.
 *
 * <p>Each connection has a writer and a reader (virtual threads, blocking java.net sockets: an
 * implementation independent of coronet), so a full window never deadlocks the client. The writer
 * stays at most {@link #window} bytes ahead of what the reader verified: with 10,000 connections
 * each streaming flat out, the sockets' buffers would exceed net.ipv4.tcp_mem, and then even the
 * loopback drops segments and TCP backs its retransmission timer off to minutes (tcp(7)) - a
 * property of the test machine, not of the server. 256 MiB in flight overall stays clear of it.
 *
 * <p>Usable in-process ({@link #run}) and as a program (for a client inside a network namespace):
 * {@code SoakClient --host H --port P --connections N --seconds S [--max-bytes B] [--seed X]}
 * prints one {@code result ...} line; exit status 0 only if every byte was verified.
 */
public final class SoakClient {
    static final int P = 65521;

    /** Totals over all connections. */
    public record Result(int connections, long bytesVerified, long mismatches, long unexpectedCloses,
                         long connectFailures, long maxBytesOnOneConnection) {
        public boolean clean() {
            return mismatches == 0 && unexpectedCloses == 0 && connectFailures == 0;
        }

        @Override
        public String toString() {
            return "result connections=" + connections + " verified_bytes=" + bytesVerified
                    + " mismatches=" + mismatches + " unexpected_closes=" + unexpectedCloses
                    + " connect_failures=" + connectFailures;
        }
    }

    private final byte[] pattern = new byte[2 * P]; // doubled: any window of <= P bytes is contiguous
    private final AtomicLong verified = new AtomicLong(), mismatches = new AtomicLong(),
            unexpected = new AtomicLong(), connectFailures = new AtomicLong(), maxPerConn = new AtomicLong();
    private final List<String> firstProblems = new ArrayList<>();
    private final int window;

    private SoakClient(long seed, int connections) {
        this.window = (int) Math.max(4096, Math.min(256 * 1024, (256L << 20) / Math.max(1, connections)));
        byte[] p = new byte[P];
        new Random(seed).nextBytes(p);
        System.arraycopy(p, 0, pattern, 0, P);
        System.arraycopy(p, 0, pattern, P, P);
    }

    /**
     * Runs {@code connections} connections against host:port until {@code duration} passes or each
     * has sent {@code maxBytes} (0: no limit), then half-closes them and verifies the tails.
     */
    public static Result run(String host, int port, int connections, Duration duration, long maxBytes, long seed)
            throws InterruptedException {
        return run(host, port, connections, duration, maxBytes, seed, true);
    }

    /** As above; {@code reportProblems} false when closes are expected (a shutdown under load). */
    public static Result run(String host, int port, int connections, Duration duration, long maxBytes, long seed,
                             boolean reportProblems) throws InterruptedException {
        SoakClient c = new SoakClient(seed, connections);
        long deadline = System.nanoTime() + duration.toNanos();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>(connections);
            for (int i = 0; i < connections; i++) {
                int id = i;
                fs.add(threads.submit(() -> c.connection(host, port, id, seed, deadline, maxBytes)));
            }
            for (Future<?> f : fs) {
                try {
                    // generous bound: the phase after the deadline is a half-close and a tail
                    f.get(Math.max(0, deadline - System.nanoTime()) + TimeUnit.SECONDS.toNanos(120), TimeUnit.NANOSECONDS);
                } catch (Exception e) {
                    c.problem("connection did not finish: " + e);
                    c.unexpected.incrementAndGet();
                }
            }
            threads.shutdownNow();
        }
        synchronized (c.firstProblems) {
            for (String p : reportProblems ? c.firstProblems : List.<String>of()) {
                System.err.println("soak: " + p);
            }
        }
        return new Result(connections, c.verified.get(), c.mismatches.get(), c.unexpected.get(),
                c.connectFailures.get(), c.maxPerConn.get());
    }

    private void problem(String what) {
        synchronized (firstProblems) {
            if (firstProblems.size() < 10) {
                firstProblems.add(what);
            }
        }
    }

    private void connection(String host, int port, int id, long seed, long deadline, long maxBytes) {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), 30_000);
            s.setSoTimeout(60_000);
            s.setTcpNoDelay(true);
        } catch (IOException e) {
            connectFailures.incrementAndGet();
            problem("connect " + id + ": " + e);
            closeQuietly(s);
            return;
        }
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            out.write(Peer.HELLO);
            byte[] hello = in.readNBytes(Peer.HELLO.length);
            if (!java.util.Arrays.equals(hello, Peer.HELLO)) {
                unexpected.incrementAndGet();
                problem("connection " + id + ": no handshake reply");
                return;
            }
            int base = Math.floorMod((int) (seed * 31 + id * 7919L), P);
            AtomicLong sent = new AtomicLong();
            java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(window);
            Thread writer = Thread.ofVirtual().start(() -> {
                Random r = new Random(seed + id);
                try {
                    while (System.nanoTime() < deadline && (maxBytes == 0 || sent.get() < maxBytes)) {
                        int n = Math.min(window, 1 + r.nextInt(r.nextInt(8) == 0 ? 64 * 1024 : 2048));
                        if (maxBytes > 0) {
                            n = (int) Math.min(n, maxBytes - sent.get());
                        }
                        if (!inFlight.tryAcquire(n, 120, TimeUnit.SECONDS)) {
                            break; // the reader saw nothing for 2 minutes: it reports the problem
                        }
                        int off = (int) ((base + sent.get()) % P);
                        out.write(pattern, off, n);
                        sent.addAndGet(n);
                    }
                    s.shutdownOutput(); // FIN: the server must echo everything before, then close
                } catch (IOException e) {
                    // the reader reports what went wrong
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long got = 0;
            byte[] buf = new byte[32 * 1024]; // <= P, so pattern[off, off + n) stays inside the doubled table
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                int off = (int) ((base + got) % P);
                if (!java.util.Arrays.equals(buf, 0, n, pattern, off, off + n)) {
                    mismatches.incrementAndGet();
                    problem("connection " + id + ": mismatch in bytes [" + got + ", " + (got + n) + ")");
                    writer.interrupt();
                    return;
                }
                got += n;
                verified.addAndGet(n);
                inFlight.release(n);
            }
            writer.join(30_000);
            if (writer.isAlive() || got != sent.get()) {
                unexpected.incrementAndGet();
                problem("connection " + id + ": EOF after " + got + " of " + sent.get() + " bytes sent");
            }
            maxPerConn.accumulateAndGet(got, Math::max);
        } catch (IOException e) {
            unexpected.incrementAndGet();
            problem("connection " + id + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing was established
        }
    }

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 0, connections = 100;
        long seconds = 5, maxBytes = 0, seed = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--connections" -> connections = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Long.parseLong(args[i + 1]);
                case "--max-bytes" -> maxBytes = Long.parseLong(args[i + 1]);
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        Result r = run(host, port, connections, Duration.ofSeconds(seconds), maxBytes, seed);
        System.out.println(r);
        System.exit(r.clean() ? 0 : 1);
    }
}
