package io.coronet.ffi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BinaryFormatTest {

    @Test
    void theLoadedLibraryHasThisPlatformsFormat() {
        String wanted = BinaryFormat.expectedFor(NativeLibrary.platform());
        assumeTrue(wanted != null, "no expectation for " + NativeLibrary.platform());
        assertEquals(wanted, BinaryFormat.of(NativeLibrary.libraryPath()));
    }

    @Test
    void everyLibraryInTheJarHasItsDirectorysFormat(@TempDir Path dir) throws Exception {
        // the jar's own files, as native/build-all staged them: what probe() compares against
        int seen = 0;
        for (String platform : List.of("linux-x86_64", "linux-x86_64-musl", "linux-aarch64", "linux-aarch64-musl",
                "macos-x86_64", "macos-aarch64")) {
            String ext = platform.startsWith("macos") ? ".dylib" : ".so";
            for (String name : List.of("libcoronet" + ext, "libcoronet_poll" + ext)) {
                String resource = "native/" + platform + "/" + name;
                if (getClass().getClassLoader().getResource(resource) == null) {
                    continue; // not built here (toolchain missing, or host only)
                }
                Path file = NativeLibrary.extract(resource, name, dir.resolve(platform));
                assertEquals(BinaryFormat.expectedFor(platform), BinaryFormat.of(file), resource);
                seen++;
            }
        }
        assertEquals(0, seen % 2, "each platform has both libraries");
        assumeTrue(seen > 0, "no library in this build");
    }

    @Test
    void otherFilesAreNoLibrary(@TempDir Path dir) throws Exception {
        assertNull(BinaryFormat.of(Files.writeString(dir.resolve("text"), "INPUT(-lc) this is a linker script")));
        assertNull(BinaryFormat.of(Files.write(dir.resolve("short"), new byte[] {0x7f, 'E', 'L', 'F'})));
        assertNull(BinaryFormat.of(dir.resolve("missing")));
        byte[] riscv = new byte[64];
        riscv[0] = 0x7f; riscv[1] = 'E'; riscv[2] = 'L'; riscv[3] = 'F'; riscv[4] = 2; riscv[5] = 1; riscv[18] = (byte) 243;
        assertEquals("ELF machine 243", BinaryFormat.of(Files.write(dir.resolve("riscv"), riscv)));
        assertNull(BinaryFormat.expectedFor("windows-x86_64"));
    }
}
