package dev.keygate.gateway.testing;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntSupplier;
import org.awaitility.core.ConditionTimeoutException;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Probes a gateway until it gives an answer, and summarises how long that took. The figures are for
 * printing: tests assert the answers and their order, never how fast they came.
 */
public final class Probe {

    /**
     * Between two probes: short enough to see a change within milliseconds, long enough not to
     * hammer a gateway that shares two cores with the test.
     */
    public static final Duration POLL_INTERVAL = Duration.ofMillis(5);

    private Probe() {}

    /** The status of {@code GET /things} with {@code key} in X-Api-Key. */
    public static int status(WebTestClient client, String key) {
        return client.get()
                .uri("/things")
                .header("X-Api-Key", key)
                .exchange()
                .returnResult(Void.class)
                .getStatus()
                .value();
    }

    /**
     * Probes {@code client} with {@code key} until it answers {@code expected}, for at most {@code
     * bound}; returns the time from {@code sinceNanos} to the first such answer.
     */
    public static Duration until(
            WebTestClient client, String key, int expected, long sinceNanos, Duration bound) {
        return until(() -> status(client, key), expected, sinceNanos, bound);
    }

    /**
     * Calls {@code status} every {@link #POLL_INTERVAL} until it returns {@code expected}, for at
     * most {@code bound}; returns the time from {@code sinceNanos} to the first such answer.
     */
    public static Duration until(
            IntSupplier status, int expected, long sinceNanos, Duration bound) {
        int[] last = {0};
        try {
            await("status " + expected)
                    .atMost(bound)
                    .pollDelay(Duration.ZERO)
                    .pollInterval(POLL_INTERVAL)
                    .pollInSameThread()
                    .until(
                            () -> {
                                last[0] = status.getAsInt();
                                return last[0] == expected;
                            });
        } catch (ConditionTimeoutException ex) {
            throw new AssertionError(
                    "no " + expected + " within " + bound + " (last " + last[0] + ")", ex);
        }
        return Duration.ofNanos(System.nanoTime() - sinceNanos);
    }

    /** {@code n=.. p50=.. p90=.. max=..} of {@code samples}, for printing. */
    public static String summary(List<Duration> samples) {
        List<Long> micros = new ArrayList<>();
        samples.forEach(d -> micros.add(d.toNanos() / 1_000));
        Collections.sort(micros);
        return String.format(
                "n=%d p50=%.1fms p90=%.1fms max=%.1fms",
                micros.size(),
                percentile(micros, 0.50) / 1000.0,
                percentile(micros, 0.90) / 1000.0,
                micros.get(micros.size() - 1) / 1000.0);
    }

    private static long percentile(List<Long> sorted, double p) {
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
