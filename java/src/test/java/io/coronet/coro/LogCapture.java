package io.coronet.coro;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what one System.Logger (JUL underneath, the JDK's default binding) logs during a
 * test; close() detaches. Holds the JUL logger strongly so its handler is not collected.
 */
public final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    public LogCapture(String loggerName) {
        this.logger = Logger.getLogger(loggerName);
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    public List<LogRecord> records() {
        return records;
    }

    /** Messages of the records logged so far whose text contains {@code part}. */
    public List<String> messagesContaining(String part) {
        return records.stream().map(LogRecord::getMessage).filter(m -> m != null && m.contains(part)).toList();
    }

    /** Waits (bounded) until some record contains {@code part}; true if one did. */
    public boolean awaitMessage(String part, long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000;
        while (messagesContaining(part).isEmpty()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
