package io.coronet.coro;

/**
 * Debug mode ({@code -Dcoronet.debug.monitors=true} or {@link Coroutine#setMonitorCheck}) found a
 * coroutine about to suspend while it owns a monitor ({@code synchronized}).
 *
 * <p>Why this is a bug on JDK 24+: {@code synchronized} no longer pins a continuation (JEP 491),
 * so the coroutine really does suspend while it still owns the monitor. If the loop thread or
 * another coroutine of the loop then enters that monitor, it waits for an owner that can only
 * resume on the very thread now waiting: the loop deadlocks. Use
 * {@link java.util.concurrent.locks.ReentrantLock} across suspension points, or better no lock
 * at all: the coroutines of one loop never run in parallel.
 */
public final class MonitorHeldException extends IllegalStateException {
    public MonitorHeldException(String message) {
        super(message);
    }
}
