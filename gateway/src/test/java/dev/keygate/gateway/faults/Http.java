package dev.keygate.gateway.faults;

import dev.keygate.gateway.testing.Probe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A blocking HTTP client for traffic threads (the JDK's, so the client side shares nothing with the
 * gateway under test). A request that fails or times out counts as status {@code -1}.
 */
final class Http {

    private static final HttpClient CLIENT =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();

    private Http() {}

    /** Why the last requests that got no answer failed, newest last (bounded). */
    static final java.util.Deque<String> FAILURES =
            new java.util.concurrent.ConcurrentLinkedDeque<>();

    static int status(int port, String key) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/things"))
                        .header("X-Api-Key", key)
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build();
        long start = System.nanoTime();
        try {
            return CLIENT.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (java.io.IOException ex) {
            FAILURES.addLast(
                    ex.getClass().getSimpleName()
                            + ": "
                            + ex.getMessage()
                            + " after "
                            + (System.nanoTime() - start) / 1_000_000
                            + " ms");
            while (FAILURES.size() > 20) {
                FAILURES.pollFirst();
            }
            return -1;
        }
    }

    /**
     * Probes until {@code expected}, every {@link Probe#POLL_INTERVAL} for at most {@code bound};
     * returns the time from {@code sinceNanos} to the first such answer, or throws.
     */
    static Duration until(int port, String key, int expected, long sinceNanos, Duration bound) {
        return Probe.until(() -> status(port, key), expected, sinceNanos, bound);
    }
}
