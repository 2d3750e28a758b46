package dev.keygate.admin.config;

import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;

/**
 * Matchers that tell the actuator's own server (management port) from the application's, for the
 * security chains of the admin API, its console and the developer portal: none of them applies on
 * the management server, whose probes answer without a token or a sign-in. Stateless and
 * thread-safe.
 */
public final class ServerMatchers {

    private static final ServerWebExchangeMatcher MANAGEMENT_SERVER =
            exchange ->
                    WebServerApplicationContext.hasServerNamespace(
                                    exchange.getApplicationContext(),
                                    WebServerNamespace.MANAGEMENT.getValue())
                            ? ServerWebExchangeMatcher.MatchResult.match()
                            : ServerWebExchangeMatcher.MatchResult.notMatch();

    private ServerMatchers() {}

    /** Matches an exchange served by the actuator's own server (management port). */
    public static ServerWebExchangeMatcher managementServer() {
        return MANAGEMENT_SERVER;
    }

    /** Matches what {@code paths} matches, but never on the management server. */
    public static ServerWebExchangeMatcher onApplicationServer(ServerWebExchangeMatcher paths) {
        return exchange ->
                MANAGEMENT_SERVER
                        .matches(exchange)
                        .flatMap(
                                management ->
                                        management.isMatch()
                                                ? ServerWebExchangeMatcher.MatchResult.notMatch()
                                                : paths.matches(exchange));
    }
}
