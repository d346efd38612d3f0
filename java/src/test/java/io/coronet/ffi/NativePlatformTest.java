package io.coronet.ffi;

import io.coronet.ffi.NativePlatform.Libc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class NativePlatformTest {

    /** os.name and os.arch as the JDKs report them, the libc, and the jar directory they load from. */
    @ParameterizedTest(name = "{0} / {1} / {2} -> {3}")
    @CsvSource(nullValues = "null", value = {
        // Linux, glibc: HotSpot says amd64 on x86_64
        "Linux, amd64, GLIBC, linux-x86_64",
        "Linux, x86_64, GLIBC, linux-x86_64",
        "Linux, aarch64, GLIBC, linux-aarch64",
        "Linux, arm64, GLIBC, linux-aarch64",
        "Linux, amd64, null, linux-x86_64",
        // Alpine: musl
        "Linux, amd64, MUSL, linux-x86_64-musl",
        "Linux, aarch64, MUSL, linux-aarch64-musl",
        // macOS on Intel; an x86_64 JVM on Apple silicon (Rosetta 2) reports x86_64 and must get x86_64 code
        "Mac OS X, x86_64, null, macos-x86_64",
        // an arm64 JVM on Apple silicon
        "Mac OS X, aarch64, null, macos-aarch64",
        "Darwin, arm64, null, macos-aarch64",
        // libc is a Linux matter: musl detection never renames a macOS directory
        "Mac OS X, aarch64, MUSL, macos-aarch64",
        "FreeBSD, amd64, null, freebsd-x86_64",
        "FreeBSD, aarch64, null, freebsd-aarch64",
        "OpenBSD, amd64, null, openbsd-x86_64",
        "NetBSD, amd64, null, netbsd-x86_64",
        // not supported: no directory, so NativeLibrary says "does not support this platform"
        "Linux, x86, GLIBC, null",
        "Linux, i386, GLIBC, null",
        "Linux, arm, GLIBC, null",
        "Linux, riscv64, GLIBC, null",
        "Linux, ppc64le, GLIBC, null",
        "Linux, s390x, GLIBC, null",
        "Mac OS X, ppc, null, null",
        "Windows 11, amd64, null, null",
        "SunOS, amd64, null, null",
        "AIX, ppc64, null, null",
    })
    void everyPlatformStringMapsToItsDirectory(String os, String arch, Libc libc, String expected) {
        assertEquals(expected, NativePlatform.directory(os, arch, libc));
    }

    @Test
    void emptyOrMissingPropertiesAreUnsupported() {
        assertNull(NativePlatform.directory("", "", null));
        assertNull(NativePlatform.directory(null, null, null));
        assertNull(NativePlatform.directory("Linux", "", Libc.GLIBC));
    }

    @Test
    void thisJvmIsGlibcOrMuslAsItsLoaderSays() throws Exception {
        if (!System.getProperty("os.name").toLowerCase().startsWith("linux")) {
            return; // libc is a Linux question
        }
        // the answer from this process's own maps agrees with the loader it was started by
        String maps = Files.readString(Path.of("/proc/self/maps"));
        Libc expected = maps.contains("/ld-musl-") || maps.contains("/libc.musl-") ? Libc.MUSL : Libc.GLIBC;
        assertEquals(expected, NativePlatform.currentLibc());
        assertEquals(expected == Libc.MUSL ? "-musl" : "",
                NativePlatform.current().replaceFirst("^linux-(x86_64|aarch64)", ""));
    }

    @Test
    void mapsOfAMuslProcessSayMusl(@TempDir Path dir) throws Exception {
        // lines as Alpine's /proc/self/maps shows them for a JVM
        Path maps = Files.writeString(dir.resolve("maps"), """
                7f1c2a000000-7f1c2a200000 r-xp 00000000 08:01 1234 /usr/lib/jvm/java-21-openjdk/lib/server/libjvm.so
                7f1c2b000000-7f1c2b050000 r-xp 00014000 08:01 99 /lib/ld-musl-x86_64.so.1
                """);
        assertEquals(Libc.MUSL, NativePlatform.detectLibc(maps, dir));
        Path glibcMaps = Files.writeString(dir.resolve("maps-glibc"), """
                7f1c2b000000-7f1c2b050000 r-xp 00028000 08:01 77 /usr/lib/x86_64-linux-gnu/libc.so.6
                7f1c2c000000-7f1c2c030000 r-xp 00001000 08:01 78 /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
                """);
        assertEquals(Libc.GLIBC, NativePlatform.detectLibc(glibcMaps, dir));
    }

    @Test
    void withoutProcTheLoaderFilesDecide(@TempDir Path dir) throws Exception {
        Path noMaps = dir.resolve("no-such-maps");
        Path lib = Files.createDirectory(dir.resolve("lib"));
        Path lib64 = Files.createDirectory(dir.resolve("lib64"));
        assertEquals(Libc.GLIBC, NativePlatform.detectLibc(noMaps, lib, lib64), "nothing known: glibc");
        Files.createFile(lib.resolve("ld-musl-aarch64.so.1"));
        assertEquals(Libc.MUSL, NativePlatform.detectLibc(noMaps, lib, lib64), "only musl's loader");
        // Debian with the musl package: both loaders, and the JVM is glibc's
        Files.createFile(lib64.resolve("ld-linux-x86-64.so.2"));
        assertEquals(Libc.GLIBC, NativePlatform.detectLibc(noMaps, lib, lib64), "both loaders");
    }
}
