package dev.keygate.gateway.accesslog;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import org.springframework.context.SmartLifecycle;

/**
 * Writes access-log entries at INFO on the logger {@value #LOGGER_NAME}, from a thread of its own
 * ({@value #THREAD_NAME}, a daemon), never from the event loop that completed the request.
 *
 * <p>Why not Reactor Netty's access log ({@code -Dreactor.netty.http.server.accessLogEnabled} or
 * {@code HttpServer.accessLog}): it sees only the HTTP exchange, not WebFlux's exchange attributes,
 * so it cannot name the key id and owner, the refusal reason or the trace id; and it formats and
 * logs on the event loop, so a slow appender (a full disk, a blocking network appender) would stall
 * every connection on that loop.
 *
 * <p><b>Request path</b> ({@link #write}, any thread, usually an event loop): one non-blocking
 * {@link ArrayBlockingQueue#offer}. When the queue is full (the writer cannot keep up, or an
 * appender blocks) the entry is dropped and counted in {@value #DROPPED_METRIC}: the access log
 * never slows a request or grows without bound. Formatting ({@link AccessLogFormat}) and the
 * appenders run on the writer's thread.
 *
 * <p><b>Lifecycle</b>: the thread starts with the context, before the web server (a lower {@link
 * #getPhase() phase}), and stops after it: {@link #stop()} writes what is still queued, waiting at
 * most {@link #STOP_TIMEOUT}, then lets the thread go. Entries written before {@link #start()} wait
 * in the queue; entries written after {@link #stop()} (and before a new start) are dropped and
 * counted.
 *
 * <p>Thread-safe.
 */
public final class AccessLogWriter implements SmartLifecycle {

    /** The logger category of the access log: route it to an appender of its own by this name. */
    public static final String LOGGER_NAME = "keygate.access";

    /** The name of the writer's thread. */
    public static final String THREAD_NAME = "keygate-access-log";

    /** The counter of entries dropped because the queue was full (or the writer had stopped). */
    public static final String DROPPED_METRIC = "keygate.access_log.dropped";

    /** How long {@link #stop()} waits for the queued entries to be written. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    /** Stops after the web server's graceful shutdown (as the usage recorder does). */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /** Offered on stop to wake a writer that waits on an empty queue; never written. */
    private static final AccessLogEntry WAKE_UP =
            new AccessLogEntry(
                    Instant.EPOCH, "-", "-", null, 0, 0, 0, null, null, null, null, null, null);

    private static final Logger internal = LoggerFactory.getLogger(AccessLogWriter.class);

    private final BlockingQueue<AccessLogEntry> queue;
    private final Logger logger;
    private final AccessLogFormat format;
    private final Counter dropped;
    private final Object lifecycle = new Object();
    private volatile Thread thread;
    private volatile boolean stopped;

    /**
     * @param queueCapacity how many entries may wait for the writer's thread
     * @param credentialParameters query parameters that carry a key, removed from logged queries
     * @param registry where {@value #DROPPED_METRIC} is registered
     */
    public AccessLogWriter(
            int queueCapacity, Collection<String> credentialParameters, MeterRegistry registry) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException(
                    "queue capacity must be positive, was " + queueCapacity);
        }
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.logger = LoggerFactory.getLogger(LOGGER_NAME);
        this.format = new AccessLogFormat(credentialParameters);
        this.dropped =
                Counter.builder(DROPPED_METRIC)
                        .description(
                                "Access-log lines dropped because the writer could not keep up")
                        .register(registry);
    }

    /**
     * Whether lines would be written: the logger {@value #LOGGER_NAME} is at INFO or finer. Cheap
     * (a level comparison); asked per request, so a level changed at run time takes effect at once.
     */
    public boolean isEnabled() {
        return logger.isInfoEnabled();
    }

    /** Queues {@code entry} for the writer's thread; never blocks (drops and counts when full). */
    public void write(AccessLogEntry entry) {
        if (stopped || !queue.offer(entry)) {
            dropped.increment();
        }
    }

    private void drain() {
        try {
            while (true) {
                // blocks while running; once stopped, writes what is left and ends
                AccessLogEntry entry = stopped ? queue.poll() : queue.take();
                if (entry == null) {
                    return;
                }
                if (entry != WAKE_UP) {
                    log(entry);
                }
            }
        } catch (InterruptedException ex) {
            // stop() waited long enough; what is still queued is lost
            Thread.currentThread().interrupt();
        }
    }

    private void log(AccessLogEntry entry) {
        try {
            String target = format.target(entry);
            LoggingEventBuilder event = logger.atInfo();
            format.addKeyValues(event, entry, target);
            event.log(format.line(entry, target));
        } catch (RuntimeException ex) {
            // a bug or a broken appender: this line is lost, the writer goes on
            internal.warn("Could not write an access-log line: {}", ex.toString());
        }
    }

    @Override
    public void start() {
        synchronized (lifecycle) {
            if (thread != null) {
                return;
            }
            stopped = false;
            Thread writer = new Thread(this::drain, THREAD_NAME);
            writer.setDaemon(true);
            writer.start();
            thread = writer;
        }
    }

    /** Writes what is queued (waiting at most {@link #STOP_TIMEOUT}), then ends the thread. */
    @Override
    public void stop() {
        Thread writer;
        synchronized (lifecycle) {
            writer = thread;
            stopped = true;
            thread = null;
        }
        if (writer == null) {
            return;
        }
        // a full queue needs no waking: the writer is not waiting then
        queue.offer(WAKE_UP);
        try {
            writer.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            internal.warn(
                    "The access log had not written {} queued lines after {}; they are lost",
                    queue.size(),
                    STOP_TIMEOUT);
            writer.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public String toString() {
        return "AccessLogWriter[capacity="
                + (queue.size() + queue.remainingCapacity())
                + ", logger="
                + LOGGER_NAME
                + "]";
    }
}
