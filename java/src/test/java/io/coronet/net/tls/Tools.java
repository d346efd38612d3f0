package io.coronet.net.tls;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** External programs the TLS tests talk to (openssl, python3): found on PATH, run with a bound. */
final class Tools {
    record Result(int exit, String output) {
    }

    private Tools() {
    }

    static boolean has(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static void require(String tool, String hint) {
        assumeTrue(has(tool), tool + " is not on PATH: " + hint + " (.ci/run installs it)");
    }

    static void requirePythonSsl() {
        require("python3", "the Python ssl tests need python3");
        try {
            Result r = run(Duration.ofSeconds(30), null, "python3", "-c", "import ssl; print(ssl.HAS_TLSv1_3)");
            assumeTrue(r.exit() == 0 && r.output().contains("True"), "python3 has no ssl module with TLS 1.3: " + r.output());
        } catch (Exception e) {
            assumeTrue(false, "python3 did not run: " + e);
        }
    }

    /** Runs {@code command} with {@code stdin} (or none), stdout and stderr together; killed after {@code timeout}. */
    static Result run(Duration timeout, String stdin, String... command) throws IOException, InterruptedException {
        Process p = start(command);
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        return finish(p, timeout);
    }

    static Process start(String... command) throws IOException {
        return new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    }

    static Result finish(Process p, Duration timeout) throws IOException, InterruptedException {
        // read on another thread so a chatty process never blocks on a full pipe
        StringBuilder out = new StringBuilder();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process was killed
            }
        });
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            reader.join(5000);
            throw new AssertionError(String.join(" ", p.info().commandLine().orElse("process")) + " did not end within " + timeout
                    + "; output: " + out);
        }
        reader.join(10_000);
        return new Result(p.exitValue(), out.toString());
    }
}
