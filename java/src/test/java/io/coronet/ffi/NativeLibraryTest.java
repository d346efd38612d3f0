package io.coronet.ffi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotNull;

class NativeLibraryTest {

    /** What the build asked for: surefire's second execution sets -Dcoronet.backend=poll. */
    private static final boolean POLL_REQUESTED = "poll".equals(System.getProperty(NativeLibrary.BACKEND_PROPERTY));

    @Test
    void isAvailableWithoutCause() {
        assertTrue(NativeLibrary.isAvailable(), () -> "unavailable: " + NativeLibrary.unavailabilityCause());
        assertNull(NativeLibrary.unavailabilityCause());
        NativeLibrary.ensureAvailable();
    }

    @Test
    void loadsTheRequestedBackend() {
        String backend = NativeLibrary.backendName();
        if (POLL_REQUESTED) {
            assertEquals("poll", backend);
            assertEquals("coronet_poll", NativeLibrary.libraryName());
        } else {
            String os = System.getProperty("os.name").toLowerCase();
            String expected = os.contains("linux") ? "epoll" : os.contains("mac") || os.contains("bsd") ? "kqueue" : "poll";
            assertEquals(expected, backend);
            assertEquals("coronet", NativeLibrary.libraryName());
        }
    }

    @Test
    void libraryPathIsTheLoadedFile() {
        Path path = NativeLibrary.libraryPath();
        assertTrue(Files.isRegularFile(path), path::toString);
        assertEquals(System.mapLibraryName(NativeLibrary.libraryName()), path.getFileName().toString());
    }

    @Test
    void platformNamesThisMachine() {
        String platform = NativeLibrary.platform();
        String os = System.getProperty("os.name").toLowerCase();
        String arch = System.getProperty("os.arch");
        if (os.contains("linux") && arch.equals("amd64")) {
            assertEquals("linux-x86_64", platform);
        }
        assertTrue(platform.matches("(linux|macos|freebsd|openbsd|netbsd)-(x86_64|aarch64)(-musl)?"), platform);
    }

    @Test
    void theBundledLibraryIsOnTheClasspathForThisPlatform() {
        String resource = "native/" + NativeLibrary.platform() + "/" + System.mapLibraryName(NativeLibrary.libraryName());
        assertTrue(getClass().getClassLoader().getResource(resource) != null, resource);
    }

    @Test
    void extractionIsContentAddressedAndReused(@TempDir Path dir) throws Exception {
        String fileName = System.mapLibraryName(NativeLibrary.libraryName());
        String resource = "native/" + NativeLibrary.platform() + "/" + fileName;
        Path first = NativeLibrary.extract(resource, fileName, dir);
        Path second = NativeLibrary.extract(resource, fileName, dir);
        assertEquals(first, second);
        assertEquals(fileName, first.getFileName().toString());
        assertEquals(dir, first.getParent().getParent());
        try (var in = getClass().getClassLoader().getResourceAsStream(resource)) {
            assertArrayEquals(in.readAllBytes(), Files.readAllBytes(first));
        }
        // a corrupted copy is replaced, not trusted
        Files.write(first, new byte[] {1, 2, 3});
        Path third = NativeLibrary.extract(resource, fileName, dir);
        assertEquals(first, third);
        assertTrue(Files.size(third) > 3);
        try (var files = Files.list(first.getParent())) {
            assertEquals(1, files.count(), "no temporary files left behind");
        }
    }

    @Test
    void aMissingResourceSaysWhatIsMissing(@TempDir Path dir) {
        NativeUnavailableException e = assertThrows(NativeUnavailableException.class,
                () -> NativeLibrary.extract("native/nowhere/libnothing.so", "libnothing.so", dir));
        assertTrue(e.getMessage().contains("native/nowhere/libnothing.so is missing"), e.getMessage());
        assertTrue(e.getMessage().contains(NativeLibrary.LIBRARY_PATH_PROPERTY), e.getMessage());
    }

    @Test
    void anUnusableExtractionDirectorySaysWhichPropertyToSet(@TempDir Path dir) throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        String fileName = System.mapLibraryName(NativeLibrary.libraryName());
        String resource = "native/" + NativeLibrary.platform() + "/" + fileName;
        NativeUnavailableException e = assertThrows(NativeUnavailableException.class,
                () -> NativeLibrary.extract(resource, fileName, notADirectory.resolve("sub")));
        assertTrue(e.getMessage().contains(NativeLibrary.NATIVE_DIR_PROPERTY), e.getMessage());
    }

    @Test
    void anUnknownBackendIsRefusedByName() {
        String old = System.getProperty(NativeLibrary.BACKEND_PROPERTY);
        try {
            System.setProperty(NativeLibrary.BACKEND_PROPERTY, "select");
            NativeUnavailableException e = assertThrows(NativeUnavailableException.class, NativeLibrary::libraryName);
            assertTrue(e.getMessage().contains("select"), e.getMessage());
        } finally {
            if (old == null) System.clearProperty(NativeLibrary.BACKEND_PROPERTY);
            else System.setProperty(NativeLibrary.BACKEND_PROPERTY, old);
        }
    }

    @Test
    void abiIsConsistent() {
        assertEquals(NativeLibrary.EXPECTED_ABI_VERSION, Abi.VERSION);
        assertTrue(Abi.EVENT_SIZE >= 12);
        assertTrue(Abi.EVENT_TOKEN_OFFSET + 8 <= Abi.EVENT_SIZE);
        assertTrue(Abi.EVENT_EVENTS_OFFSET + 4 <= Abi.EVENT_SIZE);
        assertTrue(Abi.IOV_MAX >= 16);
        assertEquals(-Abi.EINVAL, NativeLibrary.lib().cn_abi(9999), "unknown key");
    }

    // ---- probing other files: what a wrong library gets --------------------------------------

    /** Where the build left its CMake trees (surefire passes it; native/build-all writes there). */
    private static Path nativeBuild() {
        String dir = System.getProperty("coronet.test.nativeBuild");
        assumeTrue(dir != null, "coronet.test.nativeBuild is not set (run through mvn)");
        return Path.of(dir);
    }

    @Test
    void theBundledLibraryPassesTheProbeAgain() {
        LibCoronet lib = NativeLibrary.probe(NativeLibrary.libraryPath(), NativeLibrary.libraryName());
        assertNotNull(lib);
        assertEquals(NativeLibrary.backendName(), lib.cn_backend_name());
    }

    @Test
    void aLibraryFromAnotherHeaderIsRefusedSayingWhatDiffers() {
        // libcoronet_test_skewed_abi: the real sources, but cn_abi reports ABI version + 1
        String host = NativeLibrary.platform();
        Path skewed = nativeBuild().resolve(host).resolve("default").resolve("lib")
                .resolve(System.mapLibraryName("coronet_test_skewed_abi"));
        assumeTrue(Files.isRegularFile(skewed), "not built: " + skewed);
        NativeUnavailableException e = assertThrows(NativeUnavailableException.class,
                () -> NativeLibrary.probe(skewed, "coronet"));
        assertTrue(e.getMessage().contains(skewed.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("platform " + host), e.getMessage());
        assertTrue(e.getMessage().contains("ABI version " + (NativeLibrary.EXPECTED_ABI_VERSION + 1)
                + ", this jar expects " + NativeLibrary.EXPECTED_ABI_VERSION), e.getMessage());
    }

    @Test
    void aLibraryForAnotherArchitectureIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        // the jar's linux-aarch64 library on an x86_64 JVM (or the other way round)
        String other = switch (NativeLibrary.platform()) {
            case "linux-x86_64" -> "linux-aarch64";
            case "linux-aarch64" -> "linux-x86_64";
            case "macos-aarch64" -> "macos-x86_64";
            default -> null;
        };
        assumeTrue(other != null, "no foreign library to try on " + NativeLibrary.platform());
        String fileName = System.mapLibraryName("coronet");
        assumeTrue(getClass().getClassLoader().getResource("native/" + other + "/" + fileName) != null,
                "native/" + other + " is not in this build (its toolchain is missing, or -Dcoronet.native.hostOnly)");
        Path foreign = NativeLibrary.extract("native/" + other + "/" + fileName, fileName, dir);
        NativeUnavailableException e = assertThrows(NativeUnavailableException.class,
                () -> NativeLibrary.probe(foreign, "coronet"));
        assertTrue(e.getMessage().contains(foreign.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("built for another platform than " + NativeLibrary.platform()), e.getMessage());
    }

    @Test
    void thePollLibraryIsRequiredToBePoll() {
        // asking for coronet_poll but getting the default backend's file: refused by backend name
        Path dflt = nativeBuild().resolve(NativeLibrary.platform()).resolve("default").resolve("lib")
                .resolve(System.mapLibraryName("coronet"));
        assumeTrue(Files.isRegularFile(dflt), "not built: " + dflt);
        NativeUnavailableException e = assertThrows(NativeUnavailableException.class,
                () -> NativeLibrary.probe(dflt, "coronet_poll"));
        assertTrue(e.getMessage().contains("a library built for"), e.getMessage());
    }

    @Test
    void aMuslLibraryOnAGlibcJvmIsRefusedSayingSo(@TempDir Path dir) throws Exception {
        String platform = NativeLibrary.platform();
        assumeTrue(platform.startsWith("linux-") && !platform.endsWith("-musl"), "a glibc Linux JVM only");
        String fileName = System.mapLibraryName("coronet");
        String resource = "native/" + platform + "-musl/" + fileName;
        assumeTrue(getClass().getClassLoader().getResource(resource) != null,
                resource + " is not in this build (musl-gcc missing, or -Dcoronet.native.hostOnly)");
        Path musl = NativeLibrary.extract(resource, fileName, dir);
        NativeUnavailableException e = assertThrows(NativeUnavailableException.class,
                () -> NativeLibrary.probe(musl, "coronet"));
        assertTrue(e.getMessage().contains(musl.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("is a musl build"), e.getMessage());
    }
}
