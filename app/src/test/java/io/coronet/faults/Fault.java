package io.coronet.faults;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One row of the fault matrix (docs/FAULTS.md): which area of issue 6 a test covers, the case in
 * a few words, and what must happen. {@link FaultMatrix} records the outcome next to it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Fault {
    /** "1 bad peers", "2 exhaustion", "3 integrity", "4 memory safety", "5 signals". */
    String area();

    /** The case, e.g. "greeting over 1 KiB". */
    String name();

    /** The expectation the test asserts, e.g. "closed; control connection still echoes". */
    String expect();
}
