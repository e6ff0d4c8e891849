package dev.meridian.health;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** What one class logs during a test. Close it to detach. */
final class LogCapture implements AutoCloseable {

    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private LogCapture(Class<?> source) {
        this.logger = (Logger) LoggerFactory.getLogger(source);
        appender.start();
        logger.addAppender(appender);
    }

    static LogCapture of(Class<?> source) {
        return new LogCapture(source);
    }

    /** Every line so far at {@code level} or above, as {@code "LEVEL message"}. */
    List<String> lines(Level level) {
        return events(level).stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    /** Every event so far at {@code level} or above. */
    List<ILoggingEvent> events(Level level) {
        synchronized (appender) { // AppenderBase.doAppend holds this lock; probe threads append
            return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(level)).toList();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
