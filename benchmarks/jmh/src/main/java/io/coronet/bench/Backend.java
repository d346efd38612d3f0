package io.coronet.bench;

import io.coronet.ffi.NativeLibrary;

/** Selects the library a benchmark fork loads, before anything touches NativeLibrary. */
final class Backend {

    private Backend() {
    }

    /** "default" (epoll/kqueue) or "poll"; each JMH fork is a fresh JVM, so this holds for the whole fork. */
    static void select(String backend) {
        if ("poll".equals(backend)) {
            System.setProperty(NativeLibrary.BACKEND_PROPERTY, "poll");
        }
        NativeLibrary.ensureAvailable();
        String loaded = NativeLibrary.backendName();
        if ("poll".equals(backend) != "poll".equals(loaded)) {
            throw new IllegalStateException("asked for " + backend + ", loaded " + loaded
                    + " (was NativeLibrary initialised earlier in this fork?)");
        }
    }
}
