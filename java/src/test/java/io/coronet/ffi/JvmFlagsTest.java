package io.coronet.ffi;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JvmFlagsTest {
    @Test
    void jdk21And22GetNoUnsafeFlagTheyWouldRefuse() {
        for (int jdk : new int[] {21, 22}) {
            String flags = JvmFlags.forJdk(jdk);
            assertEquals("--add-exports java.base/jdk.internal.vm=ALL-UNNAMED --enable-native-access=ALL-UNNAMED", flags);
            assertFalse(flags.contains("sun-misc-unsafe"), flags);
        }
    }

    @Test
    void jdk23AndLaterAllowUnsafeMemoryAccess() {
        for (int jdk : new int[] {23, 24, 25, 30}) {
            assertTrue(JvmFlags.forJdk(jdk).endsWith(" --sun-misc-unsafe-memory-access=allow"), JvmFlags.forJdk(jdk));
        }
    }
}
