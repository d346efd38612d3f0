package io.coronet.examples.redis;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real Redis tools from the distribution's redis-tools / redis-server packages, run as
 * processes with bounded waits. A test that needs one is skipped, saying which package to
 * install, when it is missing (.ci/run installs them).
 */
final class RedisTools {
    static final long TIMEOUT_SECONDS = 60;

    private RedisTools() {
    }

    static Path find(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Skips the calling test unless {@code tool} is on the PATH. */
    static Path require(String tool, String pkg) {
        Path p = find(tool);
        Assumptions.assumeTrue(p != null, tool + " is missing: install the " + pkg
                + " package (apt-get install " + pkg + "); .ci/run does");
        return p;
    }

    /** What a tool printed and how it exited. */
    record Result(int exitCode, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    /** Runs {@code command}, feeding {@code stdin} (or nothing), bounded by {@code timeoutSeconds}. */
    static Result run(List<String> command, byte[] stdin, long timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("redis-tool", ".out");
        Path err = Files.createTempFile("redis-tool", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin);
                }
            }
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(command + " did not finish in " + timeoutSeconds + " s; stderr: " + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readAllBytes(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** redis-cli against 127.0.0.1:port with {@code args} (e.g. "--no-raw", "GET", "k"). */
    static Result cli(int port, byte[] stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(require("redis-cli", "redis-tools").toString(),
                "-h", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        return run(cmd, stdin, TIMEOUT_SECONDS);
    }

    /**
     * A redis-server of the distribution on a free port, persistence off: the reference the
     * tests compare coronet's replies with.
     */
    static final class ReferenceServer implements AutoCloseable {
        final Process process;
        final int port;

        ReferenceServer() throws IOException, InterruptedException {
            Path server = require("redis-server", "redis-server");
            int p;
            try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                p = s.getLocalPort();
            }
            port = p;
            process = new ProcessBuilder(server.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--daemonize", "no")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try (var s = new java.net.Socket("127.0.0.1", port)) {
                    break;
                } catch (IOException notYet) {
                    if (System.nanoTime() > deadline || !process.isAlive()) {
                        throw new IOException("redis-server did not start on port " + port);
                    }
                    Thread.sleep(20);
                }
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
