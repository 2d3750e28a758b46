package dev.keygate.gateway.accesslog;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * What the access log wrote while this capture was open: a logback {@link ListAppender} on the
 * logger {@value AccessLogWriter#LOGGER_NAME}, set to INFO. Open it after the gateway started
 * (Spring Boot resets logback when an application starts); {@link #close()} detaches it and puts
 * the level back. Safe to read while the writer's thread appends.
 */
public final class AccessLogCapture implements AutoCloseable {

    private final Logger logger;
    private final Level previous;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private AccessLogCapture() {
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        logger = logging.getLogger(AccessLogWriter.LOGGER_NAME);
        previous = logger.getLevel();
        appender.setContext(logging);
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.INFO);
    }

    public static AccessLogCapture open() {
        return new AccessLogCapture();
    }

    /** The events so far (a copy). */
    public List<ILoggingEvent> events() {
        // logback appends under the appender's lock
        synchronized (appender) {
            return new ArrayList<>(appender.list);
        }
    }

    /** The formatted lines so far. */
    public List<String> lines() {
        return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** The lines whose path field is {@code path} exactly. */
    public List<String> linesFor(String path) {
        return lines().stream().filter(line -> line.contains(" path=" + path + " ")).toList();
    }

    /** The key-value pairs of one event, in order. */
    public static Map<String, Object> keyValues(ILoggingEvent event) {
        Map<String, Object> pairs = new LinkedHashMap<>();
        List<KeyValuePair> all = event.getKeyValuePairs();
        if (all != null) {
            for (KeyValuePair pair : all) {
                pairs.put(pair.key, pair.value);
            }
        }
        return pairs;
    }

    /** The value of {@code field} in a logfmt line, as written (quotes included), or null. */
    public static String field(String line, String field) {
        for (String part : line.split(" ")) {
            if (part.startsWith(field + "=")) {
                return part.substring(field.length() + 1);
            }
        }
        return null;
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
        appender.stop();
    }
}
