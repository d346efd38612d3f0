package io.coronet.cli;

import io.coronet.ffi.Abi;
import io.coronet.ffi.LibCoronet;
import io.coronet.ffi.NativeLibrary;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code coronet info}: what this installation runs on. Exit code 1 when the native library is unavailable. */
@Command(name = "info", description = "Print version, OS, architecture, poller backend, native library and JDK.")
final class InfoCommand implements Callable<Integer> {

    @Override
    public Integer call() {
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
