package dev.keygate.gateway.app;

import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The runnable gateway's own setting, under {@code keygate.gateway} next to the filter's: not part
 * of the library, which a plugin user configures with ordinary Spring Cloud Gateway routes.
 *
 * @param upstreamUri when set, every path is routed to this upstream; when not, ordinary Spring
 *     Cloud Gateway routes apply
 */
@Validated
@ConfigurationProperties("keygate.gateway")
public record UpstreamRouteProperties(URI upstreamUri) {}
