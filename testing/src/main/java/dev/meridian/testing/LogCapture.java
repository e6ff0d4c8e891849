package dev.meridian.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What one class logs during a test.
 * Close it to detach.
 */
public final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture(Class<?> source) {
        this.logger = (Logger) LoggerFactory.getLogger(source);
        appender.start();
        logger.addAppender(appender);
    }

    public static LogCapture of(Class<?> source) {
        return new LogCapture(source);
    }

    /** Every line so far at {@code level} or above, as {@code "LEVEL message"}. */
    public List<String> lines(Level level) {
        return events(level).stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    /** Every event so far at {@code level} or above. */
    public List<ILoggingEvent> events(Level level) {
        synchronized (appender) { // AppenderBase.doAppend holds this lock; other threads append
            return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(level)).toList();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
