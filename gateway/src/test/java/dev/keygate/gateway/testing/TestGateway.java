package dev.keygate.gateway.testing;

import dev.keygate.gateway.app.KeygateGatewayApplication;
import dev.keygate.gateway.cache.InvalidationTracker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * One running gateway (the runnable application) on random ports, for tests, configured only
 * through the properties given: a test chooses standalone, Sentinel or Cluster with Spring Boot's
 * {@code spring.data.redis.*}. Usually started by a {@link GatewayFixture}. Thread-safe.
 */
public final class TestGateway implements AutoCloseable {

    /** Short invalidation bounds: poll 200 ms, max-staleness 2 s, Redis commands 300 ms. */
    public static final Map<String, String> SHORT_BOUNDS =
            Map.of(
                    "keygate.gateway.invalidation.poll-interval", "200ms",
                    "keygate.gateway.invalidation.max-staleness", "2000ms",
                    "keygate.gateway.invalidation.command-timeout", "300ms");

    /** The max-staleness of {@link #SHORT_BOUNDS}. */
    public static final Duration SHORT_MAX_STALENESS = Duration.ofSeconds(2);

    private final ConfigurableApplicationContext context;
    private volatile WebTestClient client;

    private TestGateway(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /**
     * Starts the runnable gateway with {@code properties} on top of its defaults and of the test
     * defaults (logging at WARN, failed-authentication throttling loose); {@code clock}, when not
     * null, replaces the gateway's clock.
     */
    public static TestGateway start(Map<String, String> properties, Clock clock) {
        return start(KeygateGatewayApplication::application, properties, clock);
    }

    /** Starts {@code application} (another Spring Cloud Gateway) as {@link #start(Map, Clock)}. */
    public static TestGateway start(
            Supplier<SpringApplication> application, Map<String, String> properties, Clock clock) {
        return start(application, properties, clock, Map.of());
    }

    /**
     * Starts {@code application} as {@link #start(Map, Clock)}, with {@code singletons} registered
     * as beans under their names before the context refreshes (test hooks such as {@code
     * keygateLimitsTimeShift}).
     */
    public static TestGateway start(
            Supplier<SpringApplication> application,
            Map<String, String> properties,
            Clock clock,
            Map<String, Object> singletons) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("server.port", "0");
        // a real port, not 0: Spring Cloud Gateway keeps its routes off the management port only
        // when it knows that port's number
        all.put("management.server.port", Integer.toString(freePort()));
        all.put("logging.level.root", "WARN");
        all.put("logging.level.dev.keygate", "INFO");
        // tests probe with bad keys far more often than a client would; throttling has its own
        // tests
        all.put("keygate.gateway.throttle.max-failures-per-minute", "1000000");
        all.putAll(properties);
        List<String> args = new ArrayList<>();
        all.forEach((name, value) -> args.add("--" + name + "=" + value));
        SpringApplication app = application.get();
        if (clock != null) {
            app.addInitializers(
                    context -> context.getBeanFactory().registerSingleton("keygateClock", clock));
        }
        if (!singletons.isEmpty()) {
            app.addInitializers(
                    context ->
                            singletons.forEach(
                                    (name, bean) ->
                                            context.getBeanFactory()
                                                    .registerSingleton(name, bean)));
        }
        return new TestGateway(app.run(args.toArray(String[]::new)));
    }

    /** Starts the runnable gateway with {@code properties} and its own clock. */
    public static TestGateway start(Map<String, String> properties) {
        return start(properties, null);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public int port() {
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    public int managementPort() {
        return context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
    }

    /** A client of the proxy port (one for the gateway's lifetime). */
    public WebTestClient client() {
        WebTestClient proxy = client;
        if (proxy == null) {
            proxy = client(port());
            client = proxy;
        }
        return proxy;
    }

    /** A client of the management port. */
    public WebTestClient management() {
        return client(managementPort());
    }

    private static WebTestClient client(int port) {
        return WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + port)
                .responseTimeout(Duration.ofSeconds(30))
                .build();
    }

    /** {@code GET /actuator/health/readiness} on the management port, sent. */
    public WebTestClient.ResponseSpec readiness() {
        return management().get().uri("/actuator/health/readiness").exchange();
    }

    /** Whether the invalidation subscriber is subscribed (and the cache trusted on messages). */
    public boolean isSubscribed() {
        return bean(InvalidationTracker.class).isSubscribed();
    }

    /** The count of {@code keygate.auth} with this outcome tag. */
    public double authCount(String outcome) {
        return count(meters().find("keygate.auth").tag("outcome", outcome).counter());
    }

    /** The count of a counter without tags (0 when it does not exist yet). */
    public double count(String name) {
        return count(meters().find(name).counter());
    }

    private MeterRegistry meters() {
        return bean(MeterRegistry.class);
    }

    private static double count(Counter counter) {
        return counter == null ? 0 : counter.count();
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    /** Every bean of {@code type} in the gateway's context, by name. */
    public <T> Map<String, T> beansOfType(Class<T> type) {
        return context.getBeansOfType(type);
    }

    @Override
    public void close() {
        context.close();
    }
}
