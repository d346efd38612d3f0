package io.coronet.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * bin/coronet started as a child process, the way a user or a process monitor starts it:
 * waits for its "listening on HOST:PORT" line and keeps what it printed on stderr.
 */
final class DaemonProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+)");

    final Process process;
    final int port;
    private final Path stderr;

    private DaemonProcess(Process process, int port, Path stderr) {
        this.process = process;
        this.port = port;
        this.stderr = stderr;
    }

    /** The repository root: Maven runs tests in java/, IDEs often at the root. */
    static Path repoRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("bin/coronet")) && Files.exists(p.resolve("CMakeLists.txt"))) {
                return p;
            }
        }
        throw new IllegalStateException("bin/coronet not found above " + dir);
    }

    static ProcessBuilder coronet(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(repoRoot().resolve("bin/coronet").toString());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(repoRoot().toFile());
    }

    /** Starts bin/coronet with {@code args} and waits (bounded) for its listening line. */
    static DaemonProcess start(String... args) throws IOException, InterruptedException {
        Path err = Files.createTempFile("coronet-daemon", ".err");
        Process p = coronet(args).redirectError(err.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a first run may build the jar
        String line;
        while ((line = readLineBefore(out, deadline)) != null) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                return new DaemonProcess(p, Integer.parseInt(m.group(2)), err);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("bin/coronet " + String.join(" ", args)
                + " never printed its listening line; stderr:\n" + Files.readString(err));
    }

    private static String readLineBefore(BufferedReader in, long deadline) throws IOException, InterruptedException {
        while (System.nanoTime() < deadline) {
            if (in.ready()) {
                return in.readLine();
            }
            Thread.sleep(20);
        }
        return null;
    }

    String stderr() throws IOException {
        return Files.readString(stderr);
    }

    long pid() {
        return process.pid();
    }

    int openFds() {
        String[] fds = new File("/proc/" + process.pid() + "/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /** Waits (bounded) for the exit code without signalling. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("daemon did not exit within 30 s");
        }
        return process.exitValue();
    }

    /** Sends SIGTERM and waits (bounded) for the exit code. */
    int terminate() throws InterruptedException, IOException {
        new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("daemon did not exit within 30 s of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws IOException {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(stderr);
    }
}
