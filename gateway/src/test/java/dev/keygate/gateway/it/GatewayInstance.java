package dev.keygate.gateway.it;

import dev.keygate.gateway.app.KeygateGatewayApplication;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/** One running gateway (the runnable application) on random ports, for tests. */
final class GatewayInstance implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private GatewayInstance(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /**
     * Starts the runnable gateway with {@code properties} on top of its defaults; {@code redisUri}
     * null: the properties say where Redis is (spring.data.redis.host, username, ...).
     */
    static GatewayInstance start(String redisUri, Map<String, String> properties, Clock clock) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("server.port", "0");
        // a real port, not 0: Spring Cloud Gateway keeps its routes off the management port only
        // when it knows that port's number
        all.put("management.server.port", Integer.toString(freePort()));
        if (redisUri != null) {
            all.put("spring.data.redis.url", redisUri);
        }
        all.put("logging.level.root", "WARN");
        all.put("logging.level.dev.keygate", "INFO");
        // tests probe with bad keys far more often than a client would; throttling has its own
        // tests
        all.put("keygate.gateway.throttle.max-failures-per-minute", "1000000");
        all.putAll(properties);
        List<String> args = new ArrayList<>();
        all.forEach((name, value) -> args.add("--" + name + "=" + value));
        SpringApplication application = KeygateGatewayApplication.application();
        if (clock != null) {
            application.addInitializers(
                    context -> context.getBeanFactory().registerSingleton("keygateClock", clock));
        }
        return new GatewayInstance(application.run(args.toArray(String[]::new)));
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    int port() {
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    int managementPort() {
        return context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
    }

    WebTestClient client() {
        return WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + port())
                .responseTimeout(Duration.ofSeconds(30))
                .build();
    }

    WebTestClient management() {
        return WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + managementPort())
                .responseTimeout(Duration.ofSeconds(30))
                .build();
    }

    /** The count of {@code keygate.auth} with this outcome tag. */
    double authCount(String outcome) {
        Counter counter =
                context.getBean(MeterRegistry.class)
                        .find("keygate.auth")
                        .tag("outcome", outcome)
                        .counter();
        return counter == null ? 0 : counter.count();
    }

    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }
}
