package dev.keygate.gateway.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.gateway.app.KeygateGatewayApplication;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.SpringApplication;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * What an integration test runs against: a WireMock upstream (200 {@code ok} to everything unless
 * the test adds stubs), one or more runnable gateways routing to it ({@code
 * keygate.gateway.upstream-uri}; or another gateway application) on the Redis the test chose, and a
 * {@link TestKeys} store on that Redis to mint keys with. {@link #close()} closes all of it, and
 * what the test handed over with {@link Builder#closing(AutoCloseable)}, going on when one of them
 * fails to close; a start that fails half-way closes what it had started.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final GatewayFixture fixture =
 *         GatewayFixture.builder().sharedRedis().property("keygate.gateway.x", "y").build();
 * // or, in a test that starts its own Redis:
 * fixture = GatewayFixture.builder().redis(redis).property("keygate.gateway.x", "y").start();
 * }</pre>
 */
public final class GatewayFixture
        implements AutoCloseable, BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

    private final Builder builder;
    private final List<TestGateway> gateways = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private WireMockServer upstream;
    private TestKeys keys;
    private AutoCloseable redis;

    private GatewayFixture(Builder builder) {
        this.builder = builder;
    }

    /** As an extension: starts on the JVM's shared Redis when the builder said so. */
    @Override
    public void beforeAll(ExtensionContext context) {
        if (builder.sharedRedis) {
            RedisServer redis = RedisExtension.sharedServer(context);
            redis.flushAll();
            builder.redis(redis);
        }
        started();
    }

    /** As an extension: each test sees only its own upstream requests. */
    @Override
    public void beforeEach(ExtensionContext context) {
        if (builder.journal) {
            upstream.resetRequests();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private GatewayFixture started() {
        WireMockConfiguration options = WireMockConfiguration.options().dynamicPort();
        if (!builder.journal) {
            options = options.disableRequestJournal().containerThreads(16);
        }
        upstream = new WireMockServer(options);
        closeables.addAll(builder.closeables);
        try {
            if (builder.redisStarter != null) {
                redis = builder.redisStarter.get();
                closeables.add(redis);
            }
            upstream.start();
            upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("ok")));
            builder.stubs.forEach(stubbing -> stubbing.accept(upstream));
            Map<String, String> all = new LinkedHashMap<>();
            if (builder.routeToUpstream) {
                all.put("keygate.gateway.upstream-uri", uri(upstream));
            }
            all.putAll(builder.properties);
            builder.routes.forEach(routes -> all.putAll(routes.apply(uri(upstream))));
            for (int i = 0; i < builder.instances; i++) {
                gateways.add(
                        TestGateway.start(
                                builder.application, all, builder.clock, builder.singletons));
            }
            if (builder.keys != null) {
                keys = builder.keys.get();
            }
            return this;
        } catch (RuntimeException ex) {
            try {
                close();
            } catch (RuntimeException suppressed) {
                ex.addSuppressed(suppressed);
            }
            throw ex;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The Redis the fixture started ({@link Builder#redis(Supplier, Function, Function)}). */
    @SuppressWarnings("unchecked")
    public <R extends AutoCloseable> R redis() {
        if (redis == null) {
            throw new IllegalStateException("this fixture started no Redis of its own");
        }
        return (R) redis;
    }

    /** The upstream every route of the gateways leads to. */
    public WireMockServer upstream() {
        return upstream;
    }

    /** {@code http://127.0.0.1:<port>} of the upstream. */
    public String upstreamUri() {
        return uri(upstream);
    }

    private static String uri(WireMockServer upstream) {
        return "http://127.0.0.1:" + upstream.port();
    }

    /** The (first) gateway. */
    public TestGateway gateway() {
        return gateways.get(0);
    }

    /** Every gateway, in start order. */
    public List<TestGateway> gateways() {
        return List.copyOf(gateways);
    }

    /** A client of the (first) gateway's proxy port. */
    public WebTestClient client() {
        return gateway().client();
    }

    /** The key store on the gateways' Redis (fails when the builder was told there is none). */
    public TestKeys keys() {
        if (keys == null) {
            throw new IllegalStateException("this fixture has no key store");
        }
        return keys;
    }

    /** Closes the gateways, the key store, the upstream, then what the test handed over. */
    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(gateways);
        all.add(keys);
        all.add(upstream == null ? null : upstream::stop);
        all.addAll(closeables);
        RuntimeException failure = null;
        for (AutoCloseable closeable : all) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            } catch (Exception ex) {
                // keep closing the rest
                if (failure == null) {
                    failure = new IllegalStateException("closing the gateway fixture", ex);
                } else {
                    failure.addSuppressed(ex);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** How to start a {@link GatewayFixture}. Not thread-safe. */
    public static final class Builder {

        private final Map<String, String> properties = new LinkedHashMap<>();
        private final List<Function<String, Map<String, String>>> routes = new ArrayList<>();
        private final List<Consumer<WireMockServer>> stubs = new ArrayList<>();
        private final List<AutoCloseable> closeables = new ArrayList<>();
        private Supplier<TestKeys> keys;
        private Supplier<SpringApplication> application = KeygateGatewayApplication::application;
        private final Map<String, Object> singletons = new LinkedHashMap<>();
        private boolean routeToUpstream = true;
        private Clock clock;
        private int instances = 1;
        private boolean journal = true;
        private boolean sharedRedis;
        private Supplier<AutoCloseable> redisStarter;

        private Builder() {}

        /**
         * The gateways use {@code redis} ({@code spring.data.redis.url}); keys are minted there
         * with {@code clock}'s dates ({@link #clock(Clock)}, else the system clock).
         */
        public Builder redis(RedisServer redis) {
            properties.put("spring.data.redis.url", redis.uri());
            keys = () -> TestKeys.connectedTo(redis, clock == null ? Clock.systemUTC() : clock);
            return this;
        }

        /**
         * The gateways use the JVM's shared Redis ({@link RedisExtension}), emptied before they
         * start: for the fixture as an extension ({@link #build()}).
         */
        public Builder sharedRedis() {
            sharedRedis = true;
            return this;
        }

        /**
         * The gateways find Redis through the properties (spring.data.redis.*); {@code keys}, null
         * for none, mints keys there.
         */
        public Builder redis(Map<String, String> redisProperties, Supplier<TestKeys> keys) {
            properties.putAll(redisProperties);
            this.keys = keys;
            return this;
        }

        /**
         * A Redis the fixture starts itself before the gateways (a Cluster, a Sentinel set-up, a
         * process to stop and freeze) and closes last: {@code properties} say where it is
         * (spring.data.redis.*), {@code keys} mints keys on it. {@link GatewayFixture#redis()}
         * returns it.
         */
        public <R extends AutoCloseable> Builder redis(
                Supplier<R> start,
                Function<R, Map<String, String>> properties,
                Function<R, TestKeys> keys) {
            redisStarter =
                    () -> {
                        R started = start.get();
                        this.properties.putAll(properties.apply(started));
                        this.keys = () -> keys.apply(started);
                        return started;
                    };
            return this;
        }

        /** The gateways' clock, and the key store's when it is minted on a {@link RedisServer}. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public Builder property(String name, String value) {
            properties.put(name, value);
            return this;
        }

        public Builder properties(Map<String, String> more) {
            properties.putAll(more);
            return this;
        }

        /**
         * Routes of the test's own instead of {@code keygate.gateway.upstream-uri} (which routes
         * every path): {@code routes} gets the upstream's base URI and returns the properties.
         */
        public Builder routes(Function<String, Map<String, String>> routes) {
            this.routes.add(routes);
            routeToUpstream = false;
            return this;
        }

        /** What the upstream answers to everything, instead of 200 {@code ok}. */
        public Builder upstreamAnswer(ResponseDefinitionBuilder answer) {
            return upstream(upstream -> upstream.stubFor(any(anyUrl()).willReturn(answer)));
        }

        /** Stubs added after the default (200 {@code ok} to everything), so they win. */
        public Builder upstream(Consumer<WireMockServer> stubbing) {
            stubs.add(stubbing);
            return this;
        }

        /**
         * An upstream that keeps no request journal and serves 16 requests at once: for traffic
         * that runs for minutes (the journal would grow without bound).
         */
        public Builder withoutRequestJournal() {
            journal = false;
            return this;
        }

        /**
         * Another Spring Cloud Gateway application instead of the runnable gateway: it has routes
         * of its own, so {@code keygate.gateway.upstream-uri} is not set ({@link #routes(Function)}
         * tells it where the upstream is).
         */
        public Builder application(Class<?> source) {
            application = () -> new SpringApplication(source);
            routeToUpstream = false;
            return this;
        }

        /** A bean every gateway gets under {@code name}, registered before its context starts. */
        public Builder singleton(String name, Object bean) {
            singletons.put(name, bean);
            return this;
        }

        /** How many gateways to start on the same Redis and upstream (1 by default). */
        public Builder instances(int count) {
            instances = count;
            return this;
        }

        /** Closed last by {@link GatewayFixture#close()} (a Redis the test started, say). */
        public Builder closing(AutoCloseable closeable) {
            closeables.add(closeable);
            return this;
        }

        /** Starts the fixture now; the caller closes it. */
        public GatewayFixture start() {
            return new GatewayFixture(this).started();
        }

        /**
         * The fixture as a JUnit extension ({@code @RegisterExtension static}): started before all
         * tests of the class, closed after them, the upstream's requests forgotten before each
         * test.
         */
        public GatewayFixture build() {
            return new GatewayFixture(this);
        }
    }
}
