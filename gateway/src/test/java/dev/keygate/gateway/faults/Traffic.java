package dev.keygate.gateway.faults;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Continuous traffic for the failover tests: one thread per gateway cycles through {@link #keys} as
 * fast as the gateway answers, and one thread per gateway sends, every 100 ms, a key taken from
 * {@link #freshKeys} that no gateway has seen yet (so it cannot be cached). Every request is
 * recorded with its send time; the figures are computed afterwards. For tests of a few dozen
 * seconds: samples are kept in memory.
 */
final class Traffic implements AutoCloseable {

    /** One request: the key, the gateway port, when it was sent ({@code nanoTime}), the answer. */
    record Sample(String key, int port, long sentAt, int status, boolean fresh) {}

    final List<String> keys = new CopyOnWriteArrayList<>();
    final Queue<String> freshKeys = new ConcurrentLinkedQueue<>();
    private final Queue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Integer> ports;
    private volatile boolean running = true;

    Traffic(List<Integer> ports) {
        this.ports = List.copyOf(ports);
        for (int port : ports) {
            threads.add(started("traffic-" + port, () -> cycle(port)));
            threads.add(started("fresh-" + port, () -> fresh(port)));
        }
    }

    private static Thread started(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private void cycle(int port) {
        while (running) {
            if (keys.isEmpty()) {
                // pacing while there is nothing to send yet
                LockSupport.parkNanos(10_000_000);
            }
            for (String key : keys) {
                long sentAt = System.nanoTime();
                samples.add(new Sample(key, port, sentAt, Http.status(port, key), false));
                if (!running) {
                    return;
                }
            }
        }
    }

    private void fresh(int port) {
        while (running) {
            String key = freshKeys.poll();
            if (key != null) {
                long sentAt = System.nanoTime();
                samples.add(new Sample(key, port, sentAt, Http.status(port, key), true));
            }
            // pacing: one fresh key every 100 ms, so they last the whole scenario
            LockSupport.parkNanos(100_000_000);
        }
    }

    /** Waits until every key in {@link #keys} has been sent to every gateway at least once. */
    void awaitEveryKeySent() {
        await("traffic on every key")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(
                        () -> {
                            Set<String> sent = new HashSet<>();
                            samples.forEach(sample -> sent.add(sample.port() + " " + sample.key()));
                            return ports.stream()
                                    .allMatch(
                                            port ->
                                                    keys.stream()
                                                            .allMatch(
                                                                    key ->
                                                                            sent.contains(
                                                                                    port + " "
                                                                                            + key)));
                        });
    }

    /** The samples so far, in send order. */
    List<Sample> samples() {
        List<Sample> sorted = new ArrayList<>(samples);
        sorted.sort(Comparator.comparingLong(Sample::sentAt));
        return sorted;
    }

    @Override
    public void close() {
        running = false;
        for (Thread thread : threads) {
            try {
                thread.join(10_000);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- figures ----

    /**
     * The longest time between a key's removal (its {@code remove} having returned) and the send of
     * a request with it that was still accepted; negative when none was accepted after.
     */
    static Duration maxAcceptanceAfterRemoval(List<Sample> samples, Map<String, Long> removedAt) {
        long max = Long.MIN_VALUE;
        for (Sample sample : samples) {
            Long removed = removedAt.get(sample.key());
            if (removed != null && sample.status() == 200 && sample.sentAt() > removed) {
                max = Math.max(max, sample.sentAt() - removed);
            }
        }
        return max == Long.MIN_VALUE ? Duration.ofNanos(-1) : Duration.ofNanos(max);
    }

    /** How many requests with a removed key were accepted more than {@code bound} after removal. */
    static long acceptedLongAfterRemoval(
            List<Sample> samples, Map<String, Long> removedAt, Duration bound) {
        return samples.stream()
                .filter(s -> s.status() == 200 && removedAt.containsKey(s.key()))
                .filter(s -> s.sentAt() > removedAt.get(s.key()) + bound.toNanos())
                .count();
    }

    /**
     * Recovery after a fault at {@code faultAt}, for the samples {@code which} selects: the time
     * from the fault to the first 200 sent after the last refusal (anything but 200); zero when
     * nothing was refused after the fault; negative when no 200 came after the last refusal (not
     * recovered).
     */
    static Duration recovery(List<Sample> samples, long faultAt, Predicate<Sample> which) {
        Sample lastRefusal = null;
        for (Sample sample : samples) {
            if (sample.sentAt() >= faultAt && which.test(sample) && sample.status() != 200) {
                lastRefusal = sample;
            }
        }
        if (lastRefusal == null) {
            return Duration.ZERO;
        }
        for (Sample sample : samples) {
            if (sample.sentAt() > lastRefusal.sentAt()
                    && which.test(sample)
                    && sample.status() == 200) {
                return Duration.ofNanos(sample.sentAt() - faultAt);
            }
        }
        return Duration.ofNanos(-1);
    }

    /**
     * When the last refusal (anything but 200) among the samples {@code which} selects was sent,
     * from {@code faultAt}; negative when there was none. Close to the end of the traffic means
     * "never recovered" for some of them (on a cluster: the keys on one master's slots).
     */
    static Duration lastRefusal(List<Sample> samples, long faultAt, Predicate<Sample> which) {
        long last = -1;
        for (Sample sample : samples) {
            if (sample.sentAt() >= faultAt && which.test(sample) && sample.status() != 200) {
                last = sample.sentAt() - faultAt;
            }
        }
        return Duration.ofNanos(last);
    }

    /** Status counts of the samples {@code which} selects, sent at or after {@code since}. */
    static Map<Integer, Integer> statuses(
            List<Sample> samples, long since, Predicate<Sample> which) {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (Sample sample : samples) {
            if (sample.sentAt() >= since && which.test(sample)) {
                counts.merge(sample.status(), 1, Integer::sum);
            }
        }
        return counts;
    }
}
