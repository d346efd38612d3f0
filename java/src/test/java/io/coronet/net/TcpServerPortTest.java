package io.coronet.net;

import io.coronet.ffi.AddressInUseException;
import io.coronet.loop.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 11.3: starting a server on a port that is already served fails with
 * AddressInUseException naming host:port however many loops there are; sharing is an opt-in.
 * Today, with two loops (SO_REUSEPORT) the second server started silently and the kernel split
 * the clients between the two.
 */
class TcpServerPortTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    final List<EventLoopGroup> groups = new ArrayList<>();
    final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Process p : processes) {
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        for (EventLoopGroup g : groups) {
            g.shutdown(Duration.ZERO);
            assertTrue(g.awaitTermination(WAIT));
        }
    }

    private TcpServer start(int loops, int port, TcpServer.PortSharing sharing) throws Exception {
        EventLoopGroup g = EventLoopGroup.start("port-" + groups.size(), loops);
        groups.add(g);
        return TcpServer.start(g, "127.0.0.1", port, 64, sharing, conn -> conn.write("server " + groups.indexOf(g) + "\n"));
    }

    @Test
    void aSecondServerInThisProcessFailsWithTwoLoopsAsWithOne() throws Exception {
        for (int loops : new int[] {1, 2}) {
            TcpServer first = start(loops, 0, TcpServer.PortSharing.EXCLUSIVE);
            AddressInUseException e = assertThrows(AddressInUseException.class,
                    () -> start(loops, first.port(), TcpServer.PortSharing.EXCLUSIVE), "loops=" + loops);
            assertTrue(e.getMessage().contains("127.0.0.1:" + first.port()), e.getMessage());
            assertEquals("server " + (groups.size() - 2), greeting(first.port()), "the first server still has the port");
        }
    }

    @Test
    void aCoroutineOfTheGroupMayStartAServerAndIsRefusedTheSameWay() throws Exception {
        TcpServer first = start(2, 0, TcpServer.PortSharing.EXCLUSIVE);
        EventLoopGroup g = groups.get(0);
        TcpServer.Handler h = conn -> conn.write("second\n");
        TcpServer second = io.coronet.coro.Coroutine.spawn(g.get(1),
                () -> TcpServer.start(g, "127.0.0.1", 0, 64, h)).join(WAIT);
        assertEquals("second", greeting(second.port()));
        assertThrows(AddressInUseException.class, () -> io.coronet.coro.Coroutine.spawn(g.get(0),
                () -> TcpServer.start(g, "127.0.0.1", first.port(), 64, h)).join(WAIT));
    }

    @Test
    void aSecondCoronetProcessOnTheSamePortFails() throws Exception {
        TcpServer ours = start(2, 0, TcpServer.PortSharing.EXCLUSIVE);
        String line = holder(ours.port(), 2, TcpServer.PortSharing.EXCLUSIVE);
        assertTrue(line.startsWith("failed AddressInUseException: ") && line.contains("127.0.0.1:" + ours.port()), line);
    }

    @Test
    void startingOnAPortAnotherCoronetProcessServesFails() throws Exception {
        String line = holder(0, 2, TcpServer.PortSharing.EXCLUSIVE);
        assertTrue(line.startsWith("started "), line);
        int port = Integer.parseInt(line.substring("started ".length()));
        AddressInUseException e = assertThrows(AddressInUseException.class,
                () -> start(2, port, TcpServer.PortSharing.EXCLUSIVE));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertEquals("holder", greeting(port));
    }

    /** A python3 listener that set SO_REUSEPORT itself: with two loops we used to join its group. */
    @Test
    void aPortServedByAnotherProgramWithReusePortIsRefused() throws Exception {
        assumeTrue(commandWorks("python3", "-c", "import socket; socket.SO_REUSEPORT"),
                "python3 with socket.SO_REUSEPORT is needed (.ci/run installs python3)");
        Process py = new ProcessBuilder("python3", "-c", """
                import socket, sys
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                s.bind(('127.0.0.1', 0)); s.listen(16)
                print(s.getsockname()[1], flush=True)
                sys.stdin.read()
                """).redirectErrorStream(true).start();
        processes.add(py);
        int port = Integer.parseInt(firstLine(py));
        AddressInUseException e = assertThrows(AddressInUseException.class,
                () -> start(2, port, TcpServer.PortSharing.EXCLUSIVE));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        // opting in shares it
        TcpServer shared = start(2, port, TcpServer.PortSharing.REUSE_PORT);
        assertEquals(port, shared.port());
    }

    @Test
    void sharingIsAnExplicitOptIn() throws Exception {
        TcpServer first = start(2, 0, TcpServer.PortSharing.REUSE_PORT);
        String line = holder(first.port(), 1, TcpServer.PortSharing.REUSE_PORT);
        assertEquals("started " + first.port(), line);
        TcpServer second = start(1, first.port(), TcpServer.PortSharing.REUSE_PORT);
        assertEquals(first.port(), second.port());
        String g = greeting(first.port());
        assertTrue(g.equals("server 0") || g.equals("server 1") || g.equals("holder"), g);
        // an exclusive server is still refused on a shared port
        assertThrows(AddressInUseException.class, () -> start(1, first.port(), TcpServer.PortSharing.EXCLUSIVE));
        assertThrows(AddressInUseException.class, () -> start(2, first.port(), TcpServer.PortSharing.EXCLUSIVE));
    }

    private static String greeting(int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            s.setSoTimeout(20_000);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }

    /** Starts {@link PortHolder} in a second JVM; returns its first line ("started P" / "failed ..."). */
    private String holder(int port, int loops, TcpServer.PortSharing sharing) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PortHolder.class.getName());
        cmd.add(Integer.toString(port));
        cmd.add(Integer.toString(loops));
        cmd.add(sharing.name());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        processes.add(p);
        return firstLine(p);
    }

    private static String firstLine(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        java.util.concurrent.CompletableFuture<String> line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return r.readLine();
            } catch (Exception e) {
                return "read failed: " + e;
            }
        });
        String s = line.get(60, TimeUnit.SECONDS);
        assertNotNull(s, "the process ended without a line");
        return s;
    }

    private static boolean commandWorks(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
