package io.coronet.ffi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What kind of shared library a file is, from its first bytes: "ELF x86-64", "ELF aarch64",
 * "Mach-O x86_64", "Mach-O arm64". For error messages only: glibc's dlopen reports a library for
 * another architecture as "cannot open shared object file: No such file or directory", which
 * sends users looking for a file that is right there.
 */
final class BinaryFormat {

    private static final int EM_X86_64 = 62;
    private static final int EM_AARCH64 = 183;
    private static final int CPU_TYPE_X86_64 = 0x0100_0007;
    private static final int CPU_TYPE_ARM64 = 0x0100_000c;

    private BinaryFormat() {
    }

    /** The format of the file, "ELF machine 40"-style for an unknown machine, or null if neither ELF nor Mach-O (or unreadable). */
    static String of(Path file) {
        byte[] h = new byte[20];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(h, 0, h.length) < h.length) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F') {
            boolean little = h[5] == 1;
            int machine = little ? (h[18] & 0xff) | (h[19] & 0xff) << 8 : (h[19] & 0xff) | (h[18] & 0xff) << 8;
            String bits = h[4] == 1 ? " (32-bit)" : "";
            return switch (machine) {
                case EM_X86_64 -> "ELF x86-64" + bits;
                case EM_AARCH64 -> "ELF aarch64" + bits;
                default -> "ELF machine " + machine + bits;
            };
        }
        int magic = le32(h, 0);
        if (magic == 0xfeedfacf || magic == 0xfeedface) {
            int cpu = le32(h, 4);
            return switch (cpu) {
                case CPU_TYPE_X86_64 -> "Mach-O x86_64";
                case CPU_TYPE_ARM64 -> "Mach-O arm64";
                default -> "Mach-O cputype 0x" + Integer.toHexString(cpu);
            };
        }
        return null;
    }

    /** The format a platform directory's libraries have (see NativePlatform), or null if unknown. */
    static String expectedFor(String platform) {
        if (platform == null) return null;
        if (platform.startsWith("linux-x86_64") || platform.startsWith("freebsd-x86_64")) return "ELF x86-64";
        if (platform.startsWith("linux-aarch64") || platform.startsWith("freebsd-aarch64")) return "ELF aarch64";
        if (platform.equals("macos-x86_64")) return "Mach-O x86_64";
        if (platform.equals("macos-aarch64")) return "Mach-O arm64";
        return null;
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
