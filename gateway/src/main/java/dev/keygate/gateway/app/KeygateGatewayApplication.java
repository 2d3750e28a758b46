package dev.keygate.gateway.app;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The runnable gateway: Spring Cloud Gateway with Keygate, proxy on 8080, actuator on 9090. With
 * {@code keygate.gateway.upstream-uri} set, everything is routed to that upstream; otherwise the
 * usual {@code spring.cloud.gateway.server.webflux.routes} apply. Defaults live here rather than in
 * an {@code application.yml}, so the library jar never imposes configuration on applications that
 * use it as a plugin.
 */
@SpringBootApplication
public class KeygateGatewayApplication {

    /**
     * Reactor Netty 1.3.6 (the version Spring Boot 4.0.7 brings) can stop reading a keep-alive
     * connection after a request answered at once, such as a 405 from an actuator endpoint: the
     * next request on that connection never gets an answer (reactor/reactor-netty#4361, fixed after
     * 1.3.7). This Reactor Netty system property avoids it; it must be set before Reactor Netty's
     * HTTP server classes load, so it is set when this class loads, unless the command line already
     * chose.
     */
    public static final String KEEP_ALIVE_WORKAROUND =
            "reactor.netty.http.server.lastFlushWhenNoRead";

    static {
        if (System.getProperty(KEEP_ALIVE_WORKAROUND) == null) {
            System.setProperty(KEEP_ALIVE_WORKAROUND, "true");
        }
    }

    /** Defaults of the runnable gateway; any property source overrides them. */
    public static final Map<String, Object> DEFAULTS =
            Map.ofEntries(
                    Map.entry("spring.application.name", "keygate-gateway"),
                    Map.entry("server.port", "8080"),
                    Map.entry("management.server.port", "9090"),
                    Map.entry(
                            "management.endpoints.web.exposure.include",
                            "health,info,metrics,prometheus,keygate"),
                    Map.entry("management.endpoint.health.probes.enabled", "true"),
                    Map.entry(
                            "management.endpoint.health.group.readiness.include",
                            "readinessState,redis,keygate"),
                    // keygate.gateway.enabled=false leaves no 'keygate' contributor: not an error
                    Map.entry("management.endpoint.health.validate-group-membership", "false"),
                    Map.entry("management.endpoint.health.show-details", "always"),
                    Map.entry("management.info.build.enabled", "true"),
                    Map.entry("management.info.git.mode", "simple"),
                    Map.entry("spring.data.redis.timeout", "2s"),
                    // Caffeine logs a stack trace for every failed load: during a Redis outage, one
                    // per cache miss. The outcome is counted in keygate.auth{outcome=unavailable}.
                    Map.entry("logging.level.com.github.benmanes.caffeine", "ERROR"),
                    Map.entry("spring.data.redis.connect-timeout", "1s"),
                    // Cluster only (ignored otherwise): without topology refresh Lettuce never
                    // learns that a replica was promoted, and that master's slots stay 503
                    Map.entry("spring.data.redis.lettuce.cluster.refresh.adaptive", "true"),
                    Map.entry("spring.data.redis.lettuce.cluster.refresh.period", "5s"));

    public static void main(String[] args) {
        application().run(args);
    }

    /** The application with its defaults, for tests and embedding. */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(KeygateGatewayApplication.class);
        application.setDefaultProperties(DEFAULTS);
        return application;
    }
}
