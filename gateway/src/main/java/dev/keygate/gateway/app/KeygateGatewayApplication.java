package dev.keygate.gateway.app;

import dev.keygate.core.support.KeepAliveWorkaround;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * The runnable gateway: Spring Cloud Gateway with Keygate, proxy on 8080, actuator on 9090. With
 * {@code keygate.gateway.upstream-uri} set, everything is routed to that upstream; otherwise the
 * usual {@code spring.cloud.gateway.server.webflux.routes} apply. Defaults live here rather than in
 * an {@code application.yml}, so the library jar never imposes configuration on applications that
 * use it as a plugin.
 */
@SpringBootApplication
public class KeygateGatewayApplication {

    // a keep-alive connection must not stall after a request answered at once
    static {
        KeepAliveWorkaround.apply();
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
                    // slow clients: a request's line and headers within 10 s of its first byte (or
                    // of the connection), an idle keep-alive connection closed after 60 s
                    Map.entry("keygate.server.header-read-timeout", "10s"),
                    Map.entry("server.netty.idle-timeout", "60s"),
                    Map.entry("spring.data.redis.timeout", "2s"),
                    // Keygate has no Spring Data repositories: no scan for them at start
                    Map.entry("spring.data.redis.repositories.enabled", "false"),
                    // one line per request on the logger keygate.access (off for plugin users)
                    Map.entry("keygate.gateway.access-log.enabled", "true"),
                    // Caffeine logs a stack trace for every failed load: during a Redis outage, one
                    // per cache miss. The filter counts each in keygate.auth.errors and logs it at
                    // most once a minute per cause.
                    Map.entry("logging.level.com.github.benmanes.caffeine", "ERROR"),
                    Map.entry("spring.data.redis.connect-timeout", "1s"),
                    // Cluster only (ignored otherwise): without topology refresh Lettuce never
                    // learns that a replica was promoted, and that master's slots stay 503
                    Map.entry("spring.data.redis.lettuce.cluster.refresh.adaptive", "true"),
                    Map.entry("spring.data.redis.lettuce.cluster.refresh.period", "5s"));

    public static void main(String[] args) {
        application().run(args);
    }

    /**
     * Spring Boot 3's name of the OTLP trace endpoint, which Boot 4 no longer binds (its metadata
     * lists it as deprecated): what operators' existing settings and most guides still use.
     */
    public static final String BOOT3_OTLP_TRACING_ENDPOINT = "management.otlp.tracing.endpoint";

    /** Spring Boot 4's name: setting it turns the export of spans over OTLP on. */
    public static final String OTLP_TRACING_ENDPOINT =
            "management.opentelemetry.tracing.export.otlp.endpoint";

    /** The application with its defaults, for tests and embedding. */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(KeygateGatewayApplication.class);
        application.setDefaultProperties(DEFAULTS);
        application.addListeners(
                (ApplicationListener<ApplicationEnvironmentPreparedEvent>)
                        event -> acceptBoot3TracingEndpoint(event.getEnvironment()));
        return application;
    }

    /**
     * Binds {@value #BOOT3_OTLP_TRACING_ENDPOINT} to {@value #OTLP_TRACING_ENDPOINT} when only the
     * former is set, so that an endpoint set under the old name is not silently ignored.
     */
    public static void acceptBoot3TracingEndpoint(ConfigurableEnvironment environment) {
        String old = environment.getProperty(BOOT3_OTLP_TRACING_ENDPOINT);
        if (old != null && !old.isBlank() && !environment.containsProperty(OTLP_TRACING_ENDPOINT)) {
            environment
                    .getPropertySources()
                    .addFirst(
                            new MapPropertySource(
                                    "keygateBoot3TracingEndpoint",
                                    Map.of(OTLP_TRACING_ENDPOINT, old)));
        }
    }
}
