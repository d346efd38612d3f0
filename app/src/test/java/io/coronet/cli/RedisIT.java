package io.coronet.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bin/coronet redis} as users run it, driven by the distribution's redis-cli and
 * redis-benchmark as processes: the full {@code redis-benchmark -t ping,set,get,incr,mset
 * -n 100000 -c 50}, with and without {@code -P 16}, on the default loops (one per core, one
 * shared store), then a clean SIGTERM.
 */
class RedisIT {

    private static String tool(String name, String pkg) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        Assumptions.abort(name + " is missing: install the " + pkg + " package (apt-get install " + pkg + "); .ci/run does");
        return null;
    }

    /** Runs a tool to completion (bounded) and returns its stdout; fails on a non-zero exit. */
    private static String run(long timeoutSeconds, String... cmd) throws Exception {
        Path out = Files.createTempFile("redis-it", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", cmd) + " did not finish in " + timeoutSeconds + " s: " + Files.readString(out));
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + text);
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void redisBenchmarkTheFullRunWithAndWithoutPipelining() throws Exception {
        String bench = tool("redis-benchmark", "redis-tools");
        String cli = tool("redis-cli", "redis-tools");
        try (DaemonProcess d = DaemonProcess.start("redis", "--port", "0")) {
            String port = Integer.toString(d.port);
            for (String pipeline : List.of("1", "16")) {
                String out = run(600, bench, "-h", "127.0.0.1", "-p", port, "-t", "ping,set,get,incr,mset",
                        "-n", "100000", "-c", "50", "-P", pipeline, "--csv");
                assertFalse(out.toLowerCase().contains("error"), out);
                for (String test : List.of("PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "MSET (10 keys)")) {
                    assertTrue(out.contains("\"" + test + "\",\""), "-P " + pipeline + ": no " + test + " in\n" + out);
                }
            }
            // INCR hit one key 100,000 times per run, from 50 connections spread over the loops
            assertEquals("200000\n", run(30, cli, "-p", port, "GET", "counter:__rand_int__"));
            assertEquals("OK\n", run(30, cli, "-p", port, "QUIT"));
            assertEquals(0, d.terminate());
            assertTrue(d.stderr().contains("redis server,") && d.stderr().contains("stopped after"), d.stderr());
        }
    }

    @Test
    void badArgumentsGiveAUsageErrorAndExitTwo() throws Exception {
        for (String[] args : new String[][] {
                {"redis", "--port", "70000"},
                {"redis", "--loops", "0"},
                {"redis", "--max-bulk", "-1"},
                {"redis", "--protocol", "echo"}}) {
            Process p = DaemonProcess.coronet(args).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(2, p.exitValue(), String.join(" ", args) + " -> " + out);
            assertTrue(out.contains("Usage: coronet redis"), out);
        }
    }
}
