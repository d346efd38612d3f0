package io.coronet.faults;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Area 3 of the fault matrix: every byte through a delayed, lossy, reordering link. The daemon
 * runs in one network namespace and {@link SoakClient} in another, joined by faults/lossy-link.sh
 * (tc netem on a veth pair, or the user-space TUN forwarder faults/tunem.c where the kernel has no
 * netem). Skipped, with the reason, only where namespaces cannot be created (not root, no ip).
 */
@Tag("faults")
@ExtendWith(FaultMatrix.class)
class LossyLinkFaultTest {
    static final int CONNECTIONS = 8;
    static final long BYTES_PER_CONNECTION = 256 * 1024;

    /** The repository root: the directory holding faults/lossy-link.sh, from here or above. */
    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("faults/lossy-link.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("faults/lossy-link.sh not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    @Fault(area = "3 integrity", name = "through a lossy link: netns pair, delay 20+-10 ms, 1% loss, 5% reordering, "
            + CONNECTIONS + " connections x 256 KiB",
            expect = "every byte echoed and verified, clean EOF after half-close; daemon exits 0 on SIGTERM")
    void everyByteArrivesThroughALossyReorderingLink() throws Exception {
        String name = "cf" + (ProcessHandle.current().pid() % 100000);
        Path script = repoRoot().resolve("faults/lossy-link.sh");
        Run.of(Duration.ofSeconds(60), "bash", script.toString(), "down", name); // leftovers of a killed run
        Run up = Run.of(Duration.ofSeconds(120), "bash", script.toString(), "up", name);
        if (up.status == 3) {
            Assumptions.abort("network namespaces unavailable: " + up.err.strip());
        }
        assertEquals(0, up.status, "lossy-link.sh up failed:\n" + up.err);
        String linkMode = up.out.strip();
        try (Daemon d = Daemon.builder().netns(name + "-s").host("10.231.0.2").start()) {
            List<String> client = new ArrayList<>(List.of("ip", "netns", "exec", name + "-c"));
            client.addAll(Daemon.javaCommand(List.of()));
            client.addAll(List.of(SoakClient.class.getName(), "--host", "10.231.0.2", "--port", String.valueOf(d.port()),
                    "--connections", String.valueOf(CONNECTIONS), "--seconds", "90",
                    "--max-bytes", String.valueOf(BYTES_PER_CONNECTION), "--seed", "3"));
            long t0 = System.nanoTime();
            Run result = Run.of(Duration.ofSeconds(180), client.toArray(String[]::new));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            FaultMatrix.note(linkMode.replaceAll(" client=\\S+ server=\\S+", "") + "; " + result.out.strip() + " (" + ms + " ms)");
            assertEquals(0, result.status, "client: " + result.out + result.err);
            assertTrue(result.out.contains("verified_bytes=" + CONNECTIONS * BYTES_PER_CONNECTION + " "), result.out);
            assertTrue(d.isAlive(), d.stderr());
            d.terminate();
            assertEquals(0, d.awaitExit(Duration.ofSeconds(30)), d.stderr());
        } finally {
            Run down = Run.of(Duration.ofSeconds(60), "bash", script.toString(), "down", name);
            if (!down.err.isBlank()) {
                FaultMatrix.note(down.err.strip());
            }
        }
    }

    /** A finished child process: status, stdout, stderr. */
    record Run(int status, String out, String err) {
        static Run of(Duration timeout, String... cmd) throws IOException, InterruptedException {
            Path out = Files.createTempFile("faults-out", ".txt"), err = Files.createTempFile("faults-err", ".txt");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    return new Run(-1, Files.readString(out), Files.readString(err) + "\n(killed after " + timeout + ")");
                }
                return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        }
    }
}
