package io.coronet.coro;

/**
 * Checks once that this JVM lets us use {@code jdk.internal.vm.Continuation}, and turns a
 * missing flag into an error that names it instead of an IllegalAccessError deep in a stack.
 *
 * <p>This class must not touch any jdk.internal.vm type itself: it runs before we know access
 * is granted.
 */
final class ContinuationSupport {
    static final String FLAG = "--add-exports java.base/jdk.internal.vm=ALL-UNNAMED";

    private static final String PROBLEM = probe();

    private ContinuationSupport() {
    }

    private static String probe() {
        if (Runtime.version().feature() < 21) {
            return "coronet coroutines need JDK 21 or newer (this is " + Runtime.version() + ")";
        }
        Module base = Object.class.getModule();
        if (!base.isExported("jdk.internal.vm", ContinuationSupport.class.getModule())) {
            return "coronet coroutines need the JVM flag " + FLAG + ", which this JVM was started without: "
                    + io.coronet.ffi.JvmFlags.advice();
        }
        return null;
    }

    static boolean isAvailable() {
        return PROBLEM == null;
    }

    static void ensureAvailable() {
        if (PROBLEM != null) {
            throw new UnsupportedOperationException(PROBLEM);
        }
    }
}
