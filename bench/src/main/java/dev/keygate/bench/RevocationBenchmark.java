package dev.keygate.bench;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.test.http.RawHttp;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The revocation benchmark. One probe thread per gateway sends the current key again and again over
 * a keep-alive connection; for each trial a fresh key is created (through the store), probed until
 * every gateway has it cached (200), then removed through the admin API ({@code DELETE
 * /v1/keys/{id}}, or the store when no admin URL is given). Recorded per gateway: the time from the
 * start of the removal call, and from its return, to the receipt of the first 401. Probes start at
 * most every {@code $REVOCATION_PROBE_INTERVAL_US} (500 µs), so a refusal is observed at most that
 * interval plus one probe round trip after it happened.
 *
 * <p>Propagation receipts (through the admin API): every other removal is sent with {@code
 * ?wait=false}, so removals that wait for every gateway's confirmation and removals that do not are
 * interleaved in one run; the difference of their call times is the receipt's extra wait. For each
 * waiting removal whose receipt says {@code Confirmed == Gateways}, a probe sent after the call
 * returned must not be accepted (the "zero window after the acknowledgement"); one that is counts
 * as a failure.
 *
 * <p>Mode {@code kill-pubsub}: just before each removal every pub/sub connection on the Redis is
 * killed ({@code CLIENT KILL TYPE pubsub}), so the invalidation message is lost and the gateways
 * must notice through the epoch poll or their resubscription flush. The next trial waits until they
 * have resubscribed.
 *
 * <p>Mode {@code lost-message}: what the store does for a removal, minus the message: the record is
 * deleted, the epoch incremented and the change logged in the change log directly in Redis, with no
 * message published (a message lost for good), so only the epoch poll ({@code poll-interval}),
 * which then reads the missed id from the change log, can reveal the change.
 *
 * <p>Usage: {@code RevocationBenchmark <mode> <iterations> <redis host:port> <admin url|-> <admin
 * token|-> <gateway url>... }. Prints one summary line per gateway and overall, and writes the raw
 * figures to {@code $REVOCATION_CSV} when set.
 */
public final class RevocationBenchmark {

    private static final long TIMEOUT_NANOS = 10_000_000_000L;

    /**
     * Unrecorded removals through the admin API before the trials ({@code
     * $REVOCATION_ADMIN_WARMUP}).
     */
    private static final int ADMIN_WARMUP = (int) env("REVOCATION_ADMIN_WARMUP", 300);

    /**
     * The least time between the starts of two probes of one gateway ({@code
     * $REVOCATION_PROBE_INTERVAL_US}, default 500 µs; 0: back to back). Back-to-back probes of two
     * gateways, plus the proxying behind each, kept both CPUs of a 2-CPU machine busy on their own:
     * each round trip then took several milliseconds of queueing, and a refusal is only seen one
     * round trip after it happens. Paced, the probes leave the CPUs mostly idle and the
     * measurement's resolution is the interval plus one unloaded round trip.
     */
    private static final long PROBE_INTERVAL_NANOS =
            env("REVOCATION_PROBE_INTERVAL_US", 500) * 1_000L;

    /** A whole number from the environment, or {@code fallback} when unset. */
    private static long env(String name, long fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : Long.parseLong(value);
    }

    private RevocationBenchmark() {}

    /** One key's trial; probes write into it. */
    static final class Trial {
        final String key;
        final AtomicLongArray okAt;
        final AtomicLongArray refusedAt;

        /**
         * When the first refused probe of each gateway was sent (its round trip: refusedAt − this).
         */
        final AtomicLongArray refusedSentAt;

        /** When the last accepted probe of each gateway was sent. */
        final AtomicLongArray lastOkSentAt;

        Trial(String key, int gateways) {
            this.key = key;
            this.lastOkSentAt = new AtomicLongArray(gateways);
            this.okAt = new AtomicLongArray(gateways);
            this.refusedAt = new AtomicLongArray(gateways);
            this.refusedSentAt = new AtomicLongArray(gateways);
        }
    }

    static volatile Trial current;
    static volatile boolean stop;
    static final AtomicLong unexpected = new AtomicLong();
    static final AtomicLong probes = new AtomicLong();

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println(
                    "usage: RevocationBenchmark <normal|kill-pubsub|lost-message> <iterations> <redis host:port>"
                            + " <admin url|-> <admin token|-> <gateway url>...");
            System.exit(2);
        }
        String mode = args[0];
        boolean killPubSub = mode.equals("kill-pubsub");
        boolean lostMessage = mode.equals("lost-message");
        if (!killPubSub && !lostMessage && !mode.equals("normal")) {
            throw new IllegalArgumentException("unknown mode " + mode);
        }
        int iterations = Integer.parseInt(args[1]);
        String[] redisAddress = args[2].split(":");
        String admin = args[3].equals("-") ? null : args[3];
        String token = args[4];
        List<URI> gateways = new ArrayList<>();
        for (int i = 5; i < args.length; i++) {
            gateways.add(URI.create(args[i]));
        }
        int n = gateways.size();

        LettuceConnectionFactory factory =
                new LettuceConnectionFactory(
                        new RedisStandaloneConfiguration(
                                redisAddress[0], Integer.parseInt(redisAddress[1])));
        factory.afterPropertiesSet();
        factory.start();
        RedisClient client =
                RedisClient.create("redis://" + redisAddress[0] + ":" + redisAddress[1]);
        StatefulRedisConnection<String, String> connection = client.connect();
        RedisCommands<String, String> redis = connection.sync();
        RedisKeyStore store =
                new RedisKeyStore(
                        new ReactiveStringRedisTemplate(factory),
                        RedisKeyspace.defaults(),
                        new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom()),
                        Clock.systemUTC());
        String channel = RedisKeyspace.defaults().channel();

        List<Thread> threads = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            int index = g;
            URI uri = gateways.get(g);
            Thread probe =
                    new Thread(() -> probe(index, uri.getHost(), uri.getPort()), "probe-" + g);
            probe.setDaemon(true);
            probe.start();
            threads.add(probe);
        }

        long[][] fromReturn = new long[n][iterations];
        long[][] fromStart = new long[n][iterations];
        long[] callNanos = new long[iterations];
        long[][] refusedRoundTrip = new long[n][iterations];
        // wall clock at each removal's start, to line trials up with the JVMs' safepoint logs
        long[] startEpochMicros = new long[iterations];
        // propagation receipts (admin API only): every other removal asks ?wait=false, so both
        // kinds of call are interleaved in one run and their difference is the receipt's wait
        long[] waitCallNanos = new long[iterations];
        long[] noWaitCallNanos = new long[iterations];
        long[] waitedMs = new long[iterations];
        long[] noWaitWaitedMs = new long[iterations];
        int waits = 0;
        int noWaits = 0;
        int complete = 0;
        int acceptedAfterConfirmed = 0;
        int done = 0;
        int failures = 0;
        URI adminUri = admin == null ? null : URI.create(admin);
        try (RawHttp adminHttp =
                adminUri == null
                        ? null
                        : RawHttp.reconnecting(adminUri.getHost(), adminUri.getPort())) {
            // An admin API in service has been running for a while; this one has just started and
            // runs its first removals interpreted (~15 ms each here, most of it before the change
            // is even announced), competing for the same 2 CPUs as the gateways under test. Warm
            // its removal path first: removals of keys nobody probes, not recorded.
            if (adminHttp != null) {
                for (int i = 0; i < ADMIN_WARMUP; i++) {
                    IssuedKey spare = store.create(NewKey.forOwner("bench-warmup")).block();
                    adminHttp.send(
                            "DELETE",
                            "/v1/keys/" + spare.record().id(),
                            "Authorization: Bearer " + token);
                }
            }
            // The first trials warm the gateways' miss path and this client up; they are run the
            // same way and not recorded.
            int warmup = Math.min(20, Math.max(2, iterations / 5));
            java.util.Random jitter = new java.util.Random();
            for (int i = -warmup; i < iterations; i++) {
                current = null; // probes idle while the next key is created
                IssuedKey issued = store.create(NewKey.forOwner("bench-revocation")).block();
                Trial trial = new Trial(issued.key(), n);
                current = trial;
                if (!awaitAll(trial.okAt)) {
                    System.err.println("key never accepted by every gateway; trial " + i);
                    failures++;
                    continue;
                }
                if (killPubSub) {
                    redis.clientKill(KillArgs.Builder.typePubsub());
                }
                if (lostMessage) {
                    // Spread the removals over the phase of the gateways' 1 s epoch poll.
                    LockSupport.parkNanos(jitter.nextInt(1000) * 1_000_000L);
                }
                long start = System.nanoTime();
                Instant startWall = Instant.now();
                RawHttp.Response receipt = null;
                boolean waitForReceipt = false;
                if (lostMessage) {
                    // What a writer does, minus the message: delete the record, move the epoch,
                    // log the change, publish nothing. Only the epoch poll can tell the gateways.
                    RedisKeyspace keyspace = RedisKeyspace.defaults();
                    String id = issued.record().id();
                    redis.del(keyspace.key(id));
                    redis.eval(
                            "local e = redis.call('INCR', KEYS[1]) redis.call('ZADD', KEYS[2], e,"
                                    + " string.format('%d', e) .. ' ' .. ARGV[1])",
                            io.lettuce.core.ScriptOutputType.STATUS,
                            new String[] {keyspace.epoch(), keyspace.changes()},
                            id);
                } else if (adminHttp != null) {
                    waitForReceipt = (i & 1) == 0;
                    receipt =
                            adminHttp.exchange(
                                    "DELETE /v1/keys/"
                                            + issued.record().id()
                                            + (waitForReceipt ? "" : "?wait=false")
                                            + " HTTP/1.1",
                                    "Authorization: Bearer " + token);
                    if (receipt.status() != 204) {
                        throw new IllegalStateException(
                                "admin DELETE answered " + receipt.status());
                    }
                } else {
                    store.remove(issued.record().id()).block();
                }
                long returned = System.nanoTime();
                if (!awaitAll(trial.refusedAt)) {
                    System.err.println("key not refused by every gateway within 10 s; trial " + i);
                    failures++;
                    continue;
                }
                if (i < 0) {
                    if (killPubSub) {
                        awaitResubscribed(redis, channel, n);
                    }
                    continue;
                }
                if (receipt != null) {
                    if (waitForReceipt) {
                        waitCallNanos[waits++] = returned - start;
                        String waited = receipt.header("keygate-propagation-waited-ms");
                        waitedMs[waits - 1] = waited == null ? -1 : Long.parseLong(waited);
                        String gatewaysHeader = receipt.header("keygate-propagation-gateways");
                        if (gatewaysHeader != null
                                && gatewaysHeader.equals(
                                        receipt.header("keygate-propagation-confirmed"))
                                && Integer.parseInt(gatewaysHeader) >= n) {
                            complete++;
                            // zero window: no probe sent after the confirmed answer was accepted
                            for (int g = 0; g < n; g++) {
                                if (trial.lastOkSentAt.get(g) > returned) {
                                    acceptedAfterConfirmed++;
                                }
                            }
                        }
                    } else {
                        String waited = receipt.header("keygate-propagation-waited-ms");
                        noWaitWaitedMs[noWaits] = waited == null ? -1 : Long.parseLong(waited);
                        noWaitCallNanos[noWaits++] = returned - start;
                    }
                }
                for (int g = 0; g < n; g++) {
                    fromReturn[g][done] = trial.refusedAt.get(g) - returned;
                    fromStart[g][done] = trial.refusedAt.get(g) - start;
                    refusedRoundTrip[g][done] = trial.refusedAt.get(g) - trial.refusedSentAt.get(g);
                }
                startEpochMicros[done] =
                        startWall.getEpochSecond() * 1_000_000L + startWall.getNano() / 1_000;
                callNanos[done] = returned - start;
                done++;
                if (killPubSub) {
                    awaitResubscribed(redis, channel, n);
                }
            }
        } finally {
            stop = true;
            current = null;
            for (Thread thread : threads) {
                thread.join(2000);
            }
            connection.close();
            client.shutdown();
            factory.destroy();
        }

        String csv = System.getenv("REVOCATION_CSV");
        if (csv != null) {
            try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(csv)))) {
                out.println(
                        "trial,gateway,call_us,from_start_us,from_return_us,start_epoch_us,"
                                + "refused_probe_round_trip_us");
                for (int i = 0; i < done; i++) {
                    for (int g = 0; g < n; g++) {
                        out.printf(
                                Locale.ROOT,
                                "%d,%d,%d,%d,%d,%d,%d%n",
                                i,
                                g,
                                callNanos[i] / 1000,
                                fromStart[g][i] / 1000,
                                fromReturn[g][i] / 1000,
                                startEpochMicros[i],
                                refusedRoundTrip[g][i] / 1000);
                    }
                }
            }
        }
        long[] allReturn = new long[done * n];
        long[] allStart = new long[done * n];
        for (int g = 0; g < n; g++) {
            System.arraycopy(fromReturn[g], 0, allReturn, g * done, done);
            System.arraycopy(fromStart[g], 0, allStart, g * done, done);
            System.out.printf(
                    Locale.ROOT,
                    "revocation %s gateway %d: trials=%d from-return %s | from-start %s%n",
                    mode,
                    g + 1,
                    done,
                    stats(Arrays.copyOf(fromReturn[g], done)),
                    stats(Arrays.copyOf(fromStart[g], done)));
        }
        // For each trial, the slower of the gateways: "until every gateway refuses it".
        long[] worstReturn = new long[done];
        long[] worstStart = new long[done];
        for (int i = 0; i < done; i++) {
            worstReturn[i] = Long.MIN_VALUE;
            worstStart[i] = Long.MIN_VALUE;
            for (int g = 0; g < n; g++) {
                worstReturn[i] = Math.max(worstReturn[i], fromReturn[g][i]);
                worstStart[i] = Math.max(worstStart[i], fromStart[g][i]);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "REVOCATION mode=%s trials=%d failures=%d admin=%s all-gateways from-return %s |"
                        + " from-start %s | admin-call %s | probes=%d unexpected-status=%d%n",
                mode,
                done,
                failures,
                lostMessage ? "none (DEL + INCR, no PUBLISH)" : admin == null ? "store" : "api",
                stats(worstReturn),
                stats(worstStart),
                stats(Arrays.copyOf(callNanos, done)),
                probes.get(),
                unexpected.get());
        if (waits > 0 && noWaits > 0) {
            long[] waitSorted = Arrays.copyOf(waitCallNanos, waits);
            long[] noWaitSorted = Arrays.copyOf(noWaitCallNanos, noWaits);
            Arrays.sort(waitSorted);
            Arrays.sort(noWaitSorted);
            long[] waitedSorted = Arrays.copyOf(waitedMs, waits);
            Arrays.sort(waitedSorted);
            long[] noWaitWaitedSorted = Arrays.copyOf(noWaitWaitedMs, noWaits);
            Arrays.sort(noWaitWaitedSorted);
            System.out.printf(
                    Locale.ROOT,
                    "RECEIPTS gateways=%d removals waiting=%d (confirmed by all: %d) | admin-call"
                            + " waiting %s | admin-call ?wait=false %s | extra wait p50=%.2fms"
                            + " p99=%.2fms (difference of the percentiles, interleaved) |"
                            + " Waited-Ms header p50=%d p99=%d max=%d (?wait=false: p50=%d p99=%d"
                            + " max=%d) | accepted after a confirmed answer: %d%n",
                    n,
                    waits,
                    complete,
                    stats(waitSorted),
                    stats(noWaitSorted),
                    (percentile(waitSorted, 50) - percentile(noWaitSorted, 50)) / 1e6,
                    (percentile(waitSorted, 99) - percentile(noWaitSorted, 99)) / 1e6,
                    percentile(waitedSorted, 50),
                    percentile(waitedSorted, 99),
                    waitedSorted[waitedSorted.length - 1],
                    percentile(noWaitWaitedSorted, 50),
                    percentile(noWaitWaitedSorted, 99),
                    noWaitWaitedSorted[noWaitWaitedSorted.length - 1],
                    acceptedAfterConfirmed);
            if (acceptedAfterConfirmed > 0) {
                failures++;
            }
        }
        System.exit(failures == 0 && done > 0 ? 0 : 1);
    }

    private static boolean awaitAll(AtomicLongArray marks) {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (int g = 0; g < marks.length(); g++) {
                if (marks.get(g) == 0) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
            LockSupport.parkNanos(20_000);
        }
        return false;
    }

    private static void awaitResubscribed(
            RedisCommands<String, String> redis, String channel, int subscribers) {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            Long count = redis.pubsubNumsub(channel).get(channel);
            if (count != null && count >= subscribers) {
                return;
            }
            LockSupport.parkNanos(2_000_000);
        }
        throw new IllegalStateException("gateways did not resubscribe within 10 s");
    }

    private static void probe(int index, String host, int port) {
        try (RawHttp http = RawHttp.reconnecting(host, port)) {
            while (!stop) {
                Trial trial = current;
                if (trial == null) {
                    LockSupport.parkNanos(100_000);
                    continue;
                }
                int status;
                long sent = System.nanoTime();
                try {
                    status = http.send("GET", "/probe", "Authorization: Bearer " + trial.key);
                } catch (IOException ex) {
                    unexpected.incrementAndGet();
                    LockSupport.parkNanos(1_000_000);
                    continue;
                }
                long received = System.nanoTime();
                probes.incrementAndGet();
                if (status == 200) {
                    trial.lastOkSentAt.set(index, sent);
                    if (trial.okAt.get(index) == 0) {
                        trial.okAt.set(index, received);
                    }
                } else if (status == 401 && trial.okAt.get(index) != 0) {
                    // one probe thread per gateway writes its slot: the send time is set first,
                    // so whoever sees refusedAt also sees it
                    if (trial.refusedAt.get(index) == 0) {
                        trial.refusedSentAt.set(index, sent);
                        trial.refusedAt.set(index, received);
                    }
                } else {
                    unexpected.incrementAndGet();
                }
                long idle = sent + PROBE_INTERVAL_NANOS - System.nanoTime();
                if (idle > 0) {
                    LockSupport.parkNanos(idle);
                }
            }
        }
    }

    /** p50/p99/max in milliseconds (nearest rank). */
    static String stats(long[] nanos) {
        if (nanos.length == 0) {
            return "n/a";
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(
                Locale.ROOT,
                "p50=%.2fms p99=%.2fms max=%.2fms",
                percentile(sorted, 50) / 1e6,
                percentile(sorted, 99) / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }

    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
