package dev.keygate.gateway.faults;

import static org.awaitility.Awaitility.await;

import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.TestGateway;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;

/** What the fault tests share: how their gateways are set up, and minting keys during a fault. */
final class Faults {

    /** {@link TestGateway#SHORT_BOUNDS}' max-staleness. */
    static final Duration MAX_STALENESS = TestGateway.SHORT_MAX_STALENESS;

    /**
     * {@link TestGateway#SHORT_BOUNDS}, and throttling off: the traffic sends removed and revoked
     * keys on purpose, thousands of times a minute.
     */
    static final Map<String, String> GATEWAY_PROPERTIES = gatewayProperties();

    private Faults() {}

    private static Map<String, String> gatewayProperties() {
        Map<String, String> properties = new LinkedHashMap<>(TestGateway.SHORT_BOUNDS);
        properties.put("keygate.gateway.throttle.enabled", "false");
        return Map.copyOf(properties);
    }

    /**
     * Gateways with {@link #GATEWAY_PROPERTIES} and an upstream without a request journal (traffic
     * runs for minutes), on the Redis {@code start} starts ({@link GatewayFixture.Builder#redis(
     * Supplier, Function, Function)}).
     */
    static <R extends AutoCloseable> GatewayFixture.Builder fixture(
            Supplier<R> start,
            Function<R, Map<String, String>> properties,
            Function<R, TestKeys> keys) {
        return GatewayFixture.builder()
                .withoutRequestJournal()
                .properties(GATEWAY_PROPERTIES)
                .redis(start, properties, keys);
    }

    /**
     * Creates {@code count} keys for {@code owner}, trying again every 100 ms for 30 s while the
     * store fails (a failover in progress).
     */
    static List<IssuedKey> create(TestKeys keys, String owner, int count) {
        AtomicReference<List<IssuedKey>> created = new AtomicReference<>();
        await("creating " + count + " keys")
                .atMost(Duration.ofSeconds(30))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .pollInSameThread()
                .ignoreExceptions()
                .until(
                        () -> {
                            created.set(
                                    Flux.range(0, count)
                                            .flatMap(
                                                    i ->
                                                            keys.store()
                                                                    .create(NewKey.forOwner(owner)),
                                                    8)
                                            .collectList()
                                            .block(Duration.ofSeconds(20)));
                            return true;
                        });
        return created.get();
    }
}
