package io.coronet.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The coronet daemon ({@code io.coronet.cli.Main serve}) as a child process, the way users run it:
 * its own JVM with the flags bin/coronet passes, the test's classpath (so the same classes and the
 * same libcoronet), optionally under a lower fd limit or inside a network namespace.
 *
 * <p>What the fault tests watch from outside, as an operator would: the {@code listening on} line,
 * stderr, whether the process is alive, and its RSS, CPU time and open fds from /proc (proc(5)).
 */
public final class Daemon implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+)");
    /** sysconf(_SC_CLK_TCK): 100 on every Linux ABI we build for (proc(5) times are in these ticks). */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private final Process process;
    private final long pid;
    private final String host;
    private final int port;

    private Daemon(Process process, long pid, String host, int port) {
        this.process = process;
        this.pid = pid;
        this.host = host;
        this.port = port;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of one daemon start; {@link #start()} returns once it prints its listening line. */
    public static final class Builder {
        private String protocol = "handshake";
        private String host = "127.0.0.1";
        private int loops = 1;
        private String greetingTimeout = "10s";
        private String grace = "2s";
        private int fdLimit;
        private String netns;
        private final List<String> jvmOptions = new ArrayList<>();
        private boolean classesFromDirectory;

        public Builder protocol(String p) { protocol = p; return this; }
        public Builder host(String h) { host = h; return this; }
        public Builder loops(int n) { loops = n; return this; }
        public Builder greetingTimeout(String d) { greetingTimeout = d; return this; }
        public Builder grace(String d) { grace = d; return this; }
        /** Runs the daemon under {@code ulimit -n limit} (soft and hard, so it cannot raise it). */
        public Builder fdLimit(int limit) { fdLimit = limit; return this; }
        /** Runs the daemon inside network namespace {@code name} (ip netns exec). */
        public Builder netns(String name) { netns = name; return this; }
        public Builder jvmOption(String o) { jvmOptions.add(o); return this; }
        /** Loads coronet's classes from the class directory, as a test or IDE run does, not from a jar. */
        public Builder classesFromDirectory() { classesFromDirectory = true; return this; }

        public Daemon start() throws Exception {
            List<String> cmd = new ArrayList<>();
            if (netns != null) {
                cmd.addAll(List.of("ip", "netns", "exec", netns));
            }
            if (fdLimit > 0) {
                // bash's ulimit without -S/-H sets both limits; exec keeps the PID for the JVM
                cmd.addAll(List.of("bash", "-c", "ulimit -n " + fdLimit + " && exec \"$@\"", "bash"));
            }
            cmd.addAll(javaCommand(jvmOptions, !classesFromDirectory));
            cmd.addAll(List.of("io.coronet.cli.Main", "serve", "--protocol", protocol, "--host", host,
                    "--port", "0", "--loops", String.valueOf(loops), "--greeting-timeout", greetingTimeout,
                    "--grace", grace));
            // stdout and stderr go to files, not pipes: a pipe read by a thread races the JDK's
            // drain-on-exit of Process streams (the last lines can be lost), a file cannot lose them
            Path out = Files.createTempFile("coronet-daemon", ".out");
            Path err = Files.createTempFile("coronet-daemon", ".err");
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            // a test JVM that is stopped early (timeout, Ctrl-C) must not leave a daemon behind
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            p.getOutputStream().close();
            Matcher m = null;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (m == null && p.isAlive() && System.nanoTime() < end) {
                Matcher found = LISTENING.matcher(Files.readString(out, StandardCharsets.UTF_8));
                if (found.find()) {
                    m = found;
                } else {
                    Thread.sleep(20);
                }
            }
            if (m == null) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                String log = Files.readString(err, StandardCharsets.UTF_8);
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
                throw new IllegalStateException("daemon did not print its listening line; command " + cmd
                        + "; stderr:\n" + log);
            }
            Daemon d = new Daemon(p, jvmPid(p), m.group(1), Integer.parseInt(m.group(2)));
            d.stdoutFile = out;
            d.stderrFile = err;
            return d;
        }
    }

    /** java + the JVM flags coronet needs + this test JVM's classpath and library properties. */
    static List<String> javaCommand(List<String> jvmOptions) {
        return javaCommand(jvmOptions, true);
    }

    static List<String> javaCommand(List<String> jvmOptions, boolean mainClassesFromJar) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        for (String prop : new String[] {"coronet.library.path", "coronet.backend"}) {
            String v = System.getProperty(prop);
            if (v != null) {
                cmd.add("-D" + prop + "=" + v);
            }
        }
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(mainClassesFromJar ? classPathWithMainClassesJarred()
                : String.join(java.io.File.pathSeparator, effectiveClassPath()));
        return cmd;
    }

    private static String jarredClassPath;

    /**
     * This JVM's classpath, with every directory that holds coronet's classes (the library's and the
     * app's) replaced by a jar of them. The daemon runs as users run it, from a jar (bin/coronet: java -jar): a jar is
     * opened once, while a class directory needs a new fd for every class loaded later. Under fd
     * exhaustion that open fails, and the JVM caches the failed resolution for good (JVMS 5.4.3):
     * a daemon started from target/classes breaks for every later connection (see faults/README.md,
     * "findings").
     */
    static synchronized String classPathWithMainClassesJarred() {
        if (jarredClassPath != null) {
            return jarredClassPath;
        }
        List<String> entries = new ArrayList<>();
        for (String e : effectiveClassPath()) {
            Path dir = Path.of(e);
            if (Files.isDirectory(dir.resolve("io/coronet"))) { // the app's classes and, in a reactor build, the library's
                try {
                    entries.add(jarOf(dir).toString());
                    continue;
                } catch (IOException failed) {
                    // keep the directory: the fd-exhaustion cases may then fail, and say why
                }
            }
            entries.add(e);
        }
        jarredClassPath = String.join(java.io.File.pathSeparator, entries);
        return jarredClassPath;
    }

    /**
     * The classpath entries, with a manifest-only jar (what Maven Surefire starts test JVMs with)
     * expanded to the entries of its Class-Path attribute.
     */
    static List<String> effectiveClassPath() {
        String[] entries = System.getProperty("java.class.path").split(java.io.File.pathSeparator);
        if (entries.length == 1 && entries[0].endsWith(".jar")) {
            try (var jar = new java.util.jar.JarFile(entries[0])) {
                var manifest = jar.getManifest();
                String cp = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
                if (cp != null && !cp.isBlank()) {
                    List<String> expanded = new ArrayList<>();
                    java.net.URI base = Path.of(entries[0]).toAbsolutePath().toUri();
                    for (String url : cp.trim().split("\\s+")) {
                        expanded.add(Path.of(base.resolve(url)).toString());
                    }
                    return expanded;
                }
            } catch (IOException | RuntimeException unreadable) {
                // use it as it is
            }
        }
        return List.of(entries);
    }

    private static Path jarOf(Path classes) throws IOException {
        Path jar = Files.createTempFile("coronet-daemon-classes", ".jar");
        jar.toFile().deleteOnExit();
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
             var files = Files.walk(classes)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new java.util.jar.JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    /** The JVM's pid: the child itself, since ip netns exec and bash -c 'exec' replace themselves. */
    private static long jvmPid(Process p) throws IOException {
        String comm = Files.readString(Path.of("/proc/" + p.pid() + "/comm")).strip();
        if (!comm.equals("java")) {
            throw new IllegalStateException("daemon pid " + p.pid() + " is '" + comm + "', not the JVM");
        }
        return p.pid();
    }

    private Path stdoutFile, stderrFile;

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return pid;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the daemon wrote to stderr so far (its log). */
    public String stderr() {
        try {
            return Files.readString(stderrFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(stderr unreadable: " + e + ")";
        }
    }

    /** Waits up to {@code timeout} for a stderr line containing {@code text}. */
    public boolean awaitLog(String text, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (stderr().contains(text)) {
                return true;
            }
            Thread.sleep(50);
        }
        return stderr().contains(text);
    }

    // ---- /proc (proc(5)) ---------------------------------------------------------------------

    /** Resident set size in KiB (VmRSS of /proc/PID/status). */
    public long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    /**
     * Java heap in use, in KiB, from {@code jcmd PID GC.heap_info} ("used NNNK"), after a full GC
     * ({@code GC.run}) so that garbage does not count; -1 if jcmd is unavailable.
     */
    public long heapUsedAfterGcKiB() throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return -1;
        }
        run(jcmd.toString(), String.valueOf(pid), "GC.run");
        Matcher m = Pattern.compile("used (\\d+)K").matcher(run(jcmd.toString(), String.valueOf(pid), "GC.heap_info"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }

    /** User + system CPU time consumed so far (utime + stime of /proc/PID/stat), in nanoseconds. */
    public long cpuNanos() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // the command name (field 2) may contain spaces and parentheses: fields start after the last ')'
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
        return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
    }

    /** Share of one core the daemon used over {@code window} (1.0 = one core busy all the time). */
    public double cpuShare(Duration window) throws IOException, InterruptedException {
        long c0 = cpuNanos(), t0 = System.nanoTime();
        Thread.sleep(window.toMillis());
        long c1 = cpuNanos(), t1 = System.nanoTime();
        return (double) (c1 - c0) / (t1 - t0);
    }

    /** Open file descriptors (entries of /proc/PID/fd). */
    public int openFds() throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        }
    }

    // ---- stopping ----------------------------------------------------------------------------

    /** Sends SIGTERM (Process.destroy is SIGTERM on Linux). */
    public void terminate() {
        process.destroy();
    }

    /** Sends a signal by name, e.g. "INT". */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-s", name, String.valueOf(pid)).inheritIO().start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -s " + name + " " + pid + " failed");
        }
    }

    /** Waits for the exit and returns its status. */
    public int awaitExit(Duration timeout) throws InterruptedException, TimeoutException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("daemon " + pid + " still running after " + timeout);
        }
        return process.exitValue();
    }

    /** Kills the daemon if it still runs (end of every test). */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
        try {
            Files.deleteIfExists(stdoutFile);
            Files.deleteIfExists(stderrFile);
        } catch (IOException ignored) {
            // temp files: the OS cleans up eventually
        }
    }

    @Override
    public String toString() {
        return "Daemon[pid=" + pid + ", " + host + ":" + port + "]";
    }
}
