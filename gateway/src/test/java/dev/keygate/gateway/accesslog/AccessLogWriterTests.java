package dev.keygate.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.spi.ILoggingEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessLogWriterTests {

    private final MeterRegistry registry = new SimpleMeterRegistry();

    private static AccessLogEntry entry(String path) {
        return new AccessLogEntry(
                Instant.parse("2026-12-02T16:00:00Z"),
                "GET",
                path,
                "a=1&api_key=kg_secret",
                401,
                1_500_000,
                120,
                null,
                null,
                "unknown",
                null,
                "1-1",
                InetAddress.getLoopbackAddress());
    }

    private double dropped() {
        return registry.get(AccessLogWriter.DROPPED_METRIC).counter().count();
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() {
        AccessLogWriter writer = new AccessLogWriter(2, List.of("api_key"), registry);
        try (AccessLogCapture capture = AccessLogCapture.open()) {
            // not started: nothing drains the queue
            assertTimeoutPreemptively(
                    Duration.ofSeconds(10),
                    () -> {
                        for (int i = 0; i < 1000; i++) {
                            writer.write(entry("/" + i));
                        }
                    });
            assertThat(dropped()).isEqualTo(998);

            writer.start();
            writer.stop();
            assertThat(capture.lines())
                    .hasSize(2)
                    .allMatch(
                            line ->
                                    line.contains(" path=\"/0?a=1\" ")
                                            || line.contains(" path=\"/1?a=1\" "));
        }
    }

    @Test
    void stopWritesWhatIsQueuedThenEntriesAreDroppedAndCounted() {
        AccessLogWriter writer = new AccessLogWriter(100, List.of("api_key"), registry);
        try (AccessLogCapture capture = AccessLogCapture.open()) {
            for (int i = 0; i < 50; i++) {
                writer.write(entry("/" + i));
            }
            writer.start();
            assertThat(writer.isRunning()).isTrue();
            writer.stop();
            assertThat(writer.isRunning()).isFalse();
            assertThat(capture.lines()).hasSize(50);
            assertThat(dropped()).isZero();

            writer.write(entry("/late"));
            assertThat(dropped()).isEqualTo(1);
            assertThat(capture.lines()).hasSize(50);
        }
    }

    @Test
    void eachLineIsWrittenOnTheWritersThreadWithItsFieldsAsKeyValuePairs() {
        AccessLogWriter writer = new AccessLogWriter(100, List.of("api_key"), registry);
        try (AccessLogCapture capture = AccessLogCapture.open()) {
            writer.start();
            writer.write(entry("/things"));
            writer.stop();
            List<ILoggingEvent> events = capture.events();
            assertThat(events).hasSize(1);
            ILoggingEvent event = events.get(0);
            assertThat(event.getThreadName()).isEqualTo(AccessLogWriter.THREAD_NAME);
            assertThat(event.getLoggerName()).isEqualTo("keygate.access");
            assertThat(event.getFormattedMessage())
                    .isEqualTo(
                            "time=2026-12-02T16:00:00.000Z method=GET path=\"/things?a=1\""
                                    + " status=401 duration_ms=1.500 bytes=120 key_id=- owner=-"
                                    + " reason=unknown trace_id=- request_id=1-1"
                                    + " client=127.0.0.1");
            Map<String, Object> pairs = AccessLogCapture.keyValues(event);
            assertThat(pairs)
                    .containsExactly(
                            Map.entry("time", "2026-12-02T16:00:00.000Z"),
                            Map.entry("method", "GET"),
                            Map.entry("path", "/things?a=1"),
                            Map.entry("status", 401),
                            Map.entry("duration_ms", 1.5),
                            Map.entry("bytes", 120L),
                            Map.entry("reason", "unknown"),
                            Map.entry("request_id", "1-1"),
                            Map.entry("client", "127.0.0.1"));
        }
    }

    @Test
    void withItsLoggerAboveInfoTheWriterSaysItIsOff() {
        AccessLogWriter writer = new AccessLogWriter(1, List.of(), registry);
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger)
                        org.slf4j.LoggerFactory.getLogger(AccessLogWriter.LOGGER_NAME);
        ch.qos.logback.classic.Level previous = logger.getLevel();
        try {
            logger.setLevel(ch.qos.logback.classic.Level.WARN);
            assertThat(writer.isEnabled()).isFalse();
            logger.setLevel(ch.qos.logback.classic.Level.INFO);
            assertThat(writer.isEnabled()).isTrue();
        } finally {
            logger.setLevel(previous);
        }
    }
}
