package io.coronet.loop;

/**
 * Emits {@link LoopStallEvent}s when JFR is there: a runtime image without the jdk.jfr module
 * cannot load the event class, and stall logging must work without it.
 */
final class LoopStallEvents {
    private static final boolean AVAILABLE = probe();

    private LoopStallEvents() {
    }

    private static boolean probe() {
        try {
            Class.forName("jdk.jfr.Event", false, LoopStallEvents.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    static void commit(String loop, long stallNanos, String stackTop) {
        if (AVAILABLE) {
            LoopStallEvent.emit(loop, stallNanos, stackTop);
        }
    }
}
