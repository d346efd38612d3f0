package io.coronet.ffi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Which directory under {@code native/} in the jar holds the library for a JVM: a pure function
 * of {@code os.name}, {@code os.arch} and the C library, so every platform string can be tested.
 *
 * <p>The names are the ones native/build-all writes: {@code linux-x86_64}, {@code linux-aarch64},
 * {@code linux-x86_64-musl}, {@code linux-aarch64-musl}, {@code macos-x86_64},
 * {@code macos-aarch64} (and {@code freebsd-x86_64} etc. for a library built on that system).
 * The architecture is the JVM's, not the machine's: an x86_64 JVM on an Apple silicon Mac runs
 * under Rosetta 2 and reports {@code os.arch=x86_64}, and it can only load x86_64 code, so it gets
 * macos-x86_64; an arm64 JVM there reports {@code aarch64} and gets macos-aarch64.
 */
public final class NativePlatform {

    /** The C library of a Linux JVM: glibc or musl (Alpine). Other systems have one libc each. */
    public enum Libc { GLIBC, MUSL }

    private NativePlatform() {
    }

    /**
     * The directory name for this os/arch/libc, or null when coronet has no library for the OS
     * or the architecture. {@code libc} matters on Linux only (null there means glibc).
     */
    public static String directory(String osName, String osArch, Libc libc) {
        String os = os(osName == null ? "" : osName);
        String arch = arch(osArch == null ? "" : osArch);
        if (os == null || arch == null) {
            return null;
        }
        String dir = os + "-" + arch;
        return os.equals("linux") && libc == Libc.MUSL ? dir + "-musl" : dir;
    }

    /** This JVM's directory name, or null when unsupported. */
    public static String current() {
        String os = System.getProperty("os.name", "");
        Libc libc = os.toLowerCase(Locale.ROOT).startsWith("linux") ? currentLibc() : null;
        return directory(os, System.getProperty("os.arch", ""), libc);
    }

    static String os(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("linux")) return "linux";
        if (n.startsWith("mac") || n.startsWith("darwin")) return "macos";
        if (n.startsWith("freebsd")) return "freebsd";
        if (n.startsWith("openbsd")) return "openbsd";
        if (n.startsWith("netbsd")) return "netbsd";
        return null;
    }

    static String arch(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> null;
        };
    }

    // ---- which libc this JVM runs on --------------------------------------------------------

    private static volatile Libc detected;

    /** The C library this (Linux) JVM process has mapped; decided once. */
    public static Libc currentLibc() {
        Libc libc = detected;
        if (libc == null) {
            detected = libc = detectLibc(Path.of("/proc/self/maps"), Path.of("/lib"), Path.of("/lib64"));
        }
        return libc;
    }

    /**
     * musl when the process has musl's loader mapped (it is musl's libc: {@code ld-musl-<arch>.so.1},
     * reached through {@code libc.musl-<arch>.so.1} on Alpine), else glibc. Asking the process
     * rather than the file system matters: a glibc machine may have musl installed beside it (Debian's
     * musl package puts /lib/ld-musl-x86_64.so.1 there). Only when the maps cannot be read does a
     * musl loader in {@code libDirs} with no glibc loader ({@code ld-linux*}) there decide.
     */
    static Libc detectLibc(Path maps, Path... libDirs) {
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.anyMatch(NativePlatform::mapsMusl) ? Libc.MUSL : Libc.GLIBC;
        } catch (IOException | RuntimeException e) {
            return loaderFilesSayMusl(libDirs) ? Libc.MUSL : Libc.GLIBC;
        }
    }

    /** One line of /proc/self/maps: does it map musl's libc? */
    static boolean mapsMusl(String line) {
        return line.contains("/ld-musl-") || line.contains("/libc.musl-");
    }

    private static boolean loaderFilesSayMusl(Path... libDirs) {
        boolean musl = false;
        boolean glibc = false;
        for (Path dir : libDirs) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    String n = p.getFileName().toString();
                    musl |= n.startsWith("ld-musl-");
                    glibc |= n.startsWith("ld-linux");
                }
            } catch (IOException | RuntimeException e) {
                // no such directory: nothing to say
            }
        }
        return musl && !glibc;
    }
}
