package io.coronet.ffi;

import com.kenai.jffi.Library;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Finds, extracts and loads libcoronet, once per JVM, and keeps the outcome.
 *
 * <p>Where the library comes from, first match wins:
 * <ol>
 *   <li>{@code -Dcoronet.library.path=/abs/libcoronet.so}: that file;
 *   <li>the jar (or classes directory): resource {@code native/<platform>/libcoronet.so}
 *       (or {@code libcoronet_poll.so} with {@code -Dcoronet.backend=poll}; {@code .dylib} on
 *       macOS), where {@code <platform>} is {@link NativePlatform#current()}: linux-x86_64,
 *       linux-aarch64, their -musl variants on Alpine, macos-x86_64, macos-aarch64; copied once into a
 *       content-addressed directory under {@code -Dcoronet.native.dir} (default:
 *       {@code java.io.tmpdir/coronet-<user>}) and loaded from there. A file with the same bytes
 *       is reused, so repeated runs do not pile up copies.
 * </ol>
 *
 * <p>After loading, before anything else may call it, the library must answer {@code cn_abi} as
 * this jar expects ({@link AbiCheck}: ABI version, struct layout) and pass a one-time self-test
 * ({@link SelfTest}: a poller sees a socketpair's event and a wake-up); a failure names the
 * platform, the file and what differs or which step failed.
 *
 * <p>Availability is decided once ({@link #isAvailable()}); a failure keeps its cause
 * ({@link #unavailabilityCause()}) and {@link #ensureAvailable()} rethrows it as a
 * {@link NativeUnavailableException} whose message says what is wrong: unsupported OS/arch,
 * library missing from the jar, a noexec temp directory, native access denied by the JVM, a
 * library that does not match this jar. Never a bare {@link UnsatisfiedLinkError}.
 */
public final class NativeLibrary {

    /** {@code poll} selects libcoronet_poll (the poll(2) backend); empty/default/auto the default one. */
    public static final String BACKEND_PROPERTY = "coronet.backend";
    /** An absolute path of a libcoronet to load instead of the bundled one. */
    public static final String LIBRARY_PATH_PROPERTY = "coronet.library.path";
    /** Where the bundled library is extracted to (must allow executing mapped files). */
    public static final String NATIVE_DIR_PROPERTY = "coronet.native.dir";

    /** cn_abi(CN_ABI_VERSION) this binding was written against. */
    static final long EXPECTED_ABI_VERSION = AbiCheck.EXPECTED_VERSION;

    private NativeLibrary() {
    }

    /** The outcome of the one load attempt: class initialisation makes it once and thread-safe. */
    private static final class Loaded {
        static final LibCoronet LIB;
        static final Path PATH;
        static final String BACKEND;
        static final Throwable CAUSE;

        static {
            LibCoronet lib = null;
            Path path = null;
            String backend = null;
            Throwable cause = null;
            try {
                path = locate();
                lib = probe(path, libraryName());
                backend = lib.cn_backend_name();
            } catch (Throwable t) {
                cause = t instanceof NativeUnavailableException ? t : explain(t, path);
                lib = null;
            }
            LIB = lib != null ? lib : unavailableStub();
            PATH = path;
            BACKEND = backend;
            CAUSE = cause;
        }
    }

    /** True when libcoronet is loaded and matches this jar. Decided once. */
    public static boolean isAvailable() {
        return Loaded.CAUSE == null;
    }

    /** Throws {@link NativeUnavailableException} (with the kept cause) unless {@link #isAvailable()}. */
    public static void ensureAvailable() {
        Throwable cause = Loaded.CAUSE;
        if (cause != null) {
            throw new NativeUnavailableException(cause.getMessage(), cause);
        }
    }

    /** Why the library is unavailable, or null when it is available. */
    public static Throwable unavailabilityCause() {
        return Loaded.CAUSE;
    }

    /**
     * The binding. When the library is unavailable this is a stub whose every method throws the
     * {@link NativeUnavailableException}, so holders of a {@code static final} reference get a
     * clear error at the first call instead of a failed class initialisation.
     */
    public static LibCoronet lib() {
        return Loaded.LIB;
    }

    /** The backend the loaded library was built with: "epoll", "kqueue" or "poll". */
    public static String backendName() {
        ensureAvailable();
        return Loaded.BACKEND;
    }

    /** The file the library was loaded from (the extracted copy for a bundled library). */
    public static Path libraryPath() {
        ensureAvailable();
        return Loaded.PATH;
    }

    /** The library's base name for the requested backend: "coronet" or "coronet_poll". */
    public static String libraryName() {
        String backend = System.getProperty(BACKEND_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        return switch (backend) {
            case "", "default", "auto", "native" -> "coronet";
            case "poll" -> "coronet_poll";
            default -> throw new NativeUnavailableException("unknown -D" + BACKEND_PROPERTY + "=" + backend
                    + ": use poll (the poll(2) fallback) or leave it unset (epoll on Linux, kqueue on macOS/BSD)", null);
        };
    }

    /**
     * This JVM's directory name under native/ in the jar, e.g. linux-x86_64, linux-x86_64-musl,
     * macos-aarch64; null when coronet does not support the OS or architecture. See
     * {@link NativePlatform}; native/build-all writes the same names.
     */
    public static String platform() {
        return NativePlatform.current();
    }

    // ---- locating and loading -------------------------------------------------------------

    private static Path locate() throws IOException {
        String explicit = System.getProperty(LIBRARY_PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit).toAbsolutePath();
            if (!Files.isRegularFile(p)) {
                throw new NativeUnavailableException("-D" + LIBRARY_PATH_PROPERTY + "=" + explicit
                        + " is not a file", null);
            }
            return p;
        }
        String platform = platform();
        if (platform == null) {
            throw new NativeUnavailableException("coronet does not support this platform (os.name="
                    + System.getProperty("os.name") + ", os.arch=" + System.getProperty("os.arch")
                    + "); the jar carries linux-x86_64, linux-aarch64 (glibc 2.17+ or musl) and macos-x86_64,"
                    + " macos-aarch64; FreeBSD: build coronet there (mvn package)", null);
        }
        String fileName = System.mapLibraryName(libraryName());
        String resource = "native/" + platform + "/" + fileName;
        return extract(resource, fileName, extractionDirectory());
    }

    static Path extractionDirectory() {
        String dir = System.getProperty(NATIVE_DIR_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir).toAbsolutePath();
        }
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9_.-]", "_");
        return Path.of(System.getProperty("java.io.tmpdir"), "coronet-" + user);
    }

    /**
     * Copies a classpath resource to {@code dir/<sha256 prefix>/fileName}, unless an identical
     * copy is already there. Writes a temporary file and renames it, so concurrent JVMs never
     * load a half-written library.
     */
    static Path extract(String resource, String fileName, Path dir) throws IOException {
        byte[] bytes;
        try (InputStream in = NativeLibrary.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new NativeUnavailableException("no native library for " + platform() + " in the jar (resource "
                        + resource + " is missing: the jar was built without that platform's toolchain, see"
                        + " native/README.md); build coronet with it (mvn package) or pass -D"
                        + LIBRARY_PATH_PROPERTY + "=/path/to/" + fileName, null);
            }
            bytes = in.readAllBytes();
        }
        Path target = dir.resolve(sha256Prefix(bytes)).resolve(fileName);
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
            return target;
        }
        try {
            Files.createDirectories(target.getParent());
            restrictToOwner(dir);
            Path tmp = Files.createTempFile(target.getParent(), fileName, ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (AccessDeniedException | java.nio.file.ReadOnlyFileSystemException e) {
            throw new NativeUnavailableException("cannot extract the native library into " + dir
                    + " (not writable): set -D" + NATIVE_DIR_PROPERTY + "=<a writable directory>", e);
        } catch (FileSystemException e) {
            throw new NativeUnavailableException("cannot extract the native library into " + dir + " ("
                    + e.getMessage() + "): set -D" + NATIVE_DIR_PROPERTY + "=<a writable directory>", e);
        }
        return target;
    }

    private static void restrictToOwner(Path dir) {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException | IOException e) {
            // not POSIX, or not ours (a shared, pre-created directory): the content check above
            // still guarantees we load the bytes we shipped
        }
    }

    private static String sha256Prefix(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is required of every JDK", e);
        }
    }

    private static LibCoronet load(Path path) {
        return LibraryLoader.create(LibCoronet.class)
                .option(LibraryOption.IgnoreError, true)
                .failImmediately()
                .load(path.toString());
    }

    /**
     * Loads the library at {@code path} and checks it as the one-time load does: every symbol of
     * {@link LibCoronet} present, {@link AbiCheck} agrees, the backend is the requested one
     * ({@code libraryName} "coronet_poll" wants poll), and {@link SelfTest} passes. Not cached:
     * the class's own load calls it once; tests call it with other files.
     *
     * @throws NativeUnavailableException naming the platform, the file and what failed
     */
    static LibCoronet probe(Path path, String libraryName) {
        LibCoronet lib;
        try {
            lib = load(path);
        } catch (NativeUnavailableException e) {
            throw e;
        } catch (Throwable t) {
            throw explain(t, path);
        }
        verify(lib, path);
        String backend = lib.cn_backend_name();
        if ("coronet_poll".equals(libraryName) && !"poll".equals(backend)) {
            throw new NativeUnavailableException("-D" + BACKEND_PROPERTY + "=poll loaded " + path
                    + ", a library built for " + backend, null);
        }
        try {
            SelfTest.run(lib);
        } catch (SelfTest.Failure f) {
            throw new NativeUnavailableException("coronet native library " + path + " (platform " + platform()
                    + ", backend " + backend + ") failed its self-test at step " + f.getMessage()
                    + "; this system's kernel or sandbox may refuse what the backend needs: try -D"
                    + BACKEND_PROPERTY + "=poll", f);
        }
        return lib;
    }

    /**
     * jnr-ffi binds symbols lazily: a missing one would surface as an UnsatisfiedLinkError at its
     * first call. Look every method's symbol up now instead, then ask cn_abi (AbiCheck).
     */
    private static void verify(LibCoronet lib, Path path) {
        Library dl = Library.getCachedInstance(path.toString(), Library.LAZY | Library.LOCAL);
        if (dl == null) {
            // jnr-ffi's loader does not always fail for a file dlopen refuses (a musl build on glibc
            // did not): say what dlopen said instead of listing every symbol as missing
            throw explain(new UnsatisfiedLinkError(String.valueOf(Library.getLastError())), path);
        }
        List<String> missing = new ArrayList<>();
        for (Method m : LibCoronet.class.getMethods()) {
            if (!m.isDefault() && !java.lang.reflect.Modifier.isStatic(m.getModifiers())
                    && dl.getSymbolAddress(m.getName()) == 0L) {
                missing.add(m.getName());
            }
        }
        if (!missing.isEmpty()) {
            throw new NativeUnavailableException("the native library " + path + " (platform " + platform()
                    + ") does not match this jar: missing " + missing + " (rebuild with mvn package)", null);
        }
        List<String> differences = AbiCheck.differences(lib::cn_abi);
        if (!differences.isEmpty()) {
            throw new NativeUnavailableException("the native library " + path + " (platform " + platform()
                    + ") does not match this jar: " + String.join("; ", differences)
                    + " (a library from another coronet build: rebuild with mvn package)", null);
        }
    }

    /** Turns a loader failure into a message that says what to do. */
    private static NativeUnavailableException explain(Throwable t, Path path) {
        StringBuilder all = new StringBuilder();
        boolean nativeAccessDenied = false;
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c).append('\n');
            nativeAccessDenied |= c instanceof IllegalCallerException;
        }
        String text = all.toString();
        String lower = text.toLowerCase(Locale.ROOT);
        String where = path == null ? "libcoronet" : path.toString();
        String platform = platform();
        String hint;
        String format = path == null ? null : BinaryFormat.of(path);
        String wanted = BinaryFormat.expectedFor(platform);
        if (format != null && wanted != null && !format.equals(wanted)) {
            hint = where + " is an " + format + " library, built for another platform than " + platform
                    + " (which needs " + wanted + "): pass the " + platform + " library, or leave -D"
                    + LIBRARY_PATH_PROPERTY + " unset to use the jar's";
        } else if (lower.contains("version `glibc_")) {
            hint = where + " needs a newer glibc than this system has (coronet's Linux libraries need glibc 2.17,"
                    + " RHEL/CentOS 7 or later; on Alpine the jar's linux-*-musl library is used)";
        } else if (lower.contains("libc.so.6") && platform != null && platform.endsWith("-musl")) {
            hint = where + " is a glibc build and this JVM runs on musl: use the jar's " + platform + " library"
                    + " (leave -D" + LIBRARY_PATH_PROPERTY + " unset)";
        } else if (lower.contains("libc.so:") && platform != null && platform.startsWith("linux-")
                && !platform.endsWith("-musl")) {
            hint = where + " is a musl build (it needs musl's libc.so) and this JVM runs on glibc: use the jar's "
                    + platform + " library (leave -D" + LIBRARY_PATH_PROPERTY + " unset)";
        } else if (nativeAccessDenied || lower.contains("native access")) {
            hint = "the JVM denies native access: start java with --enable-native-access=ALL-UNNAMED"
                    + " (bin/coronet does; java -jar coronet.jar gets it from the manifest)";
        } else if (lower.contains("failed to map segment") || lower.contains("operation not permitted")) {
            hint = "the directory holding " + where + " is probably mounted noexec: set -D" + NATIVE_DIR_PROPERTY
                    + "=<a directory on an exec filesystem> (and -Djffi.extract.dir=... for jffi's own stub)";
        } else if (lower.contains("could not locate stub library")) {
            hint = "jffi's native stub is not on the classpath (the com.github.jnr:jffi:native jar; the shaded"
                    + " coronet.jar contains it)";
        } else if (lower.contains("could not load ffi provider") || lower.contains("jffi")) {
            hint = "jffi (jnr-ffi's native stub) failed to load; it extracts itself to java.io.tmpdir: if that is"
                    + " mounted noexec set -Djffi.extract.dir=<an exec directory>";
        } else if (lower.contains("wrong elf class") || lower.contains("invalid elf header")
                || lower.contains("wrong architecture") || lower.contains("incompatible architecture")) {
            hint = where + " was built for another platform than " + platform;
        } else {
            hint = "cannot load " + where;
        }
        return new NativeUnavailableException("coronet native library unavailable (platform " + platform + "): " + hint
                + " [" + firstLine(t) + "]", t);
    }

    private static String firstLine(Throwable t) {
        String s = String.valueOf(t);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static LibCoronet unavailableStub() {
        return (LibCoronet) Proxy.newProxyInstance(LibCoronet.class.getClassLoader(), new Class<?>[] {LibCoronet.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "toString" -> "LibCoronet(unavailable)";
                    case "hashCode" -> 0;
                    case "equals" -> proxy == args[0];
                    default -> {
                        ensureAvailable();
                        throw new AssertionError("unreachable");
                    }
                });
    }
}
