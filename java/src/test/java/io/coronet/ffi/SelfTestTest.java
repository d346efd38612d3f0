package io.coronet.ffi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load-time self-test against the real library and kernel; a failing step is made by
 * letting one call of the real library misbehave (as a broken backend, a seccomp filter or an
 * emulator would), everything else stays real.
 */
class SelfTestTest {

    private static final LibCoronet REAL = NativeLibrary.lib();

    /** The real library, except that method {@code name} answers {@code answer} instead (from its nth call on). */
    private static LibCoronet breaking(String name, int fromCall, Object answer) {
        AtomicInteger calls = new AtomicInteger();
        return (LibCoronet) Proxy.newProxyInstance(LibCoronet.class.getClassLoader(), new Class<?>[] {LibCoronet.class},
                (proxy, method, args) -> {
                    if (method.getName().equals(name) && calls.incrementAndGet() >= fromCall) {
                        return answer;
                    }
                    try {
                        return method.invoke(REAL, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void theLoadedLibraryPasses() throws Exception {
        int before = REAL.cn_lowest_free_fd();
        SelfTest.run(REAL);
        assertEquals(before, REAL.cn_lowest_free_fd(), "the self-test closes its socketpair and poller");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cn_poller_create", "cn_socketpair", "cn_poller_add", "cn_poller_remove", "cn_poller_wake"})
    void aFailingCallNamesItsStepAndLeaksNothing(String call) {
        long answer = -Abi.EMFILE;
        Object typed = call.equals("cn_poller_create") ? (Object) answer : (Object) (int) answer;
        int before = REAL.cn_lowest_free_fd();
        SelfTest.Failure f = assertThrows(SelfTest.Failure.class, () -> SelfTest.run(breaking(call, 1, typed)));
        assertEquals(call, f.step);
        assertTrue(f.getMessage().contains("returned " + answer), f.getMessage());
        assertEquals(before, REAL.cn_lowest_free_fd(), "fds of a failed self-test are closed");
    }

    @Test
    void aWriteThatMovesNothingFails() {
        SelfTest.Failure f = assertThrows(SelfTest.Failure.class, () -> SelfTest.run(breaking("cn_write", 1, 0L)));
        assertEquals("cn_write", f.step);
    }

    @Test
    void aPollerThatNeverReportsTheEventFails() {
        // a wait that finds nothing, as a backend whose kernel side does not work
        SelfTest.Failure f = assertThrows(SelfTest.Failure.class, () -> SelfTest.run(breaking("cn_poller_wait", 1, 0)));
        assertEquals("cn_poller_wait (readable)", f.step);
        assertTrue(f.getMessage().contains("no event within"), f.getMessage());
    }

    @Test
    void aWakeUpThatNeverArrivesFails() throws Exception {
        // cn_poller_wake says 0 but does nothing: the wait after it runs its full (short) bound
        long start = System.nanoTime();
        SelfTest.Failure f = assertThrows(SelfTest.Failure.class,
                () -> SelfTest.run(breaking("cn_poller_wake", 1, 0), 5_000, 200));
        assertEquals("cn_poller_wake", f.step);
        assertTrue(f.getMessage().contains("did not arrive"), f.getMessage());
        assertTrue(System.nanoTime() - start >= 200_000_000L, "it waited for the bound");
    }

    @Test
    void aWaitReportingTheWakeUpAsAnEventFails() {
        // the second wait (after the wake) must return 0: a reported wake-up would reach the loop as a bogus event
        SelfTest.Failure f = assertThrows(SelfTest.Failure.class, () -> SelfTest.run(breaking("cn_poller_wait", 2, 1)));
        assertEquals("cn_poller_wait (after wake)", f.step);
    }
}
