package dev.keygate.gateway.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Small measuring helpers for the multi-instance and fault tests. */
final class Probe {

    private Probe() {}

    static int status(WebTestClient client, String key) {
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
    static Duration until(
            WebTestClient client, String key, int expected, long sinceNanos, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        int probes = 0;
        while (System.nanoTime() < deadline) {
            probes++;
            if (status(client, key) == expected) {
                if (System.getProperty("probe.debug") != null) {
                    System.out.println(
                            "probes="
                                    + probes
                                    + " t="
                                    + (System.nanoTime() - sinceNanos) / 1000
                                    + "us");
                }
                return Duration.ofNanos(System.nanoTime() - sinceNanos);
            }
        }
        throw new AssertionError("no " + expected + " within " + bound);
    }

    static String summary(List<Duration> samples) {
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

    static long percentile(List<Long> sorted, double p) {
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static Duration median(List<Duration> samples) {
        List<Duration> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        return sorted.get((sorted.size() - 1) / 2);
    }
}
