package dev.keygate.gateway.faults;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import dev.keygate.gateway.app.KeygateGatewayApplication;
import dev.keygate.gateway.cache.InvalidationTracker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One running gateway (the runnable application) on random ports, configured only through the
 * properties given, so a test chooses standalone, Sentinel or Cluster with Spring Boot's {@code
 * spring.data.redis.*}. A copy of {@code it.GatewayInstance} without its standalone URL.
 */
final class FaultGateway implements AutoCloseable {

    /** Short bounds, as in {@code RedisOutageTests}: poll 200 ms, max-staleness 2 s. */
    static final Map<String, String> SHORT_BOUNDS =
            Map.of(
                    "keygate.gateway.invalidation.poll-interval", "200ms",
                    "keygate.gateway.invalidation.max-staleness", "2000ms",
                    "keygate.gateway.invalidation.command-timeout", "300ms");

    private final ConfigurableApplicationContext context;

    private FaultGateway(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /** Starts the runnable gateway routing to {@code upstream} with {@code properties}. */
    static FaultGateway start(WireMockServer upstream, Map<String, String> properties) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("server.port", "0");
        all.put("management.server.port", Integer.toString(freePort()));
        all.put("logging.level.root", "WARN");
        all.put("logging.level.dev.keygate", "INFO");
        all.put("keygate.gateway.upstream-uri", "http://127.0.0.1:" + upstream.port());
        // the traffic sends removed and revoked keys on purpose, thousands of times a minute
        all.put("keygate.gateway.throttle.enabled", "false");
        all.putAll(SHORT_BOUNDS);
        all.putAll(properties);
        List<String> args = new ArrayList<>();
        all.forEach((name, value) -> args.add("--" + name + "=" + value));
        SpringApplication application = KeygateGatewayApplication.application();
        return new FaultGateway(application.run(args.toArray(String[]::new)));
    }

    /** A WireMock upstream answering 200 to everything, with no request journal (soak-safe). */
    static WireMockServer upstream() {
        WireMockServer upstream =
                new WireMockServer(
                        WireMockConfiguration.options()
                                .dynamicPort()
                                .disableRequestJournal()
                                .containerThreads(16));
        upstream.start();
        upstream.stubFor(
                WireMock.any(WireMock.anyUrl())
                        .willReturn(WireMock.aResponse().withStatus(200).withBody("ok")));
        return upstream;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    int port() {
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    boolean isSubscribed() {
        return context.getBean(InvalidationTracker.class).isSubscribed();
    }

    /** The count of a counter without tags (0 when it does not exist yet). */
    double count(String name) {
        Counter counter = context.getBean(MeterRegistry.class).find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        context.close();
    }
}
