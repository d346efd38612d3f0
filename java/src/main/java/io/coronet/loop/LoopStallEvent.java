package io.coronet.loop;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/** JFR: one tick of an event loop ran longer than the stall threshold (see {@link StallWatchdog}). */
@Name("io.coronet.LoopStall")
@Label("Event Loop Stall")
@Category({"coronet"})
@Description("One tick of a coronet event loop ran longer than coronet.stall.threshold: every coroutine of the loop waited")
final class LoopStallEvent extends Event {
    @Label("Loop")
    String loop;

    @Label("Stall")
    @Timespan(Timespan.NANOSECONDS)
    long stall;

    @Label("Stack Top")
    @Description("The top frames of the loop thread when the stall was detected")
    String stackTop;

    static void emit(String loop, long stallNanos, String stackTop) {
        LoopStallEvent e = new LoopStallEvent();
        if (e.isEnabled()) {
            e.loop = loop;
            e.stall = stallNanos;
            e.stackTop = stackTop;
            e.commit();
        }
    }
}
