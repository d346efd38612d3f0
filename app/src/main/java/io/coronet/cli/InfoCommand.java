package io.coronet.cli;

import io.coronet.ffi.Abi;
import io.coronet.ffi.LibCoronet;
import io.coronet.ffi.NativeLibrary;

import java.io.PrintStream;
import java.util.List;

/** {@code coronet info}: what this installation runs on. Exit code 1 when the native library is unavailable. */
final class InfoCommand {

    static final Args.Spec SPEC = new Args.Spec("info", 0, List.of(), """
            Usage: coronet info [-h]
            Print version, OS, architecture, poller backend, native library and JDK.
              -h, --help   Show this help message and exit.
            """);

    private InfoCommand() {
    }

    static int run(Args args) {
        PrintStream out = System.out;
        out.printf("coronet   %s%n", Main.version());
        out.printf("os        %s %s%n", System.getProperty("os.name"), System.getProperty("os.version"));
        out.printf("arch      %s (native/%s)%n", System.getProperty("os.arch"),
                NativeLibrary.platform() != null ? NativeLibrary.platform() : "unsupported");
        out.printf("jdk       %s (%s)%n", Runtime.version(), System.getProperty("java.vendor"));
        out.printf("java home %s%n", System.getProperty("java.home"));
        if (!NativeLibrary.isAvailable()) {
            out.printf("backend   unavailable%n");
            System.err.println(NativeLibrary.unavailabilityCause().getMessage());
            return 1;
        }
        int caps = NativeLibrary.lib().cn_poller_caps();
        out.printf("backend   %s (edge: %s)%n", NativeLibrary.backendName(),
                (caps & LibCoronet.CN_CAP_NATIVE_EDGE) != 0 ? "native" : "emulated");
        out.printf("library   %s (ABI %d)%n", NativeLibrary.libraryPath(), Abi.VERSION);
        return 0;
    }
}
