package dev.keygate.gateway.authentication;

import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Writes the response to a refused request: the one entry point of every refusal on the request
 * path (the authentication filter, the request firewall). One of the replaceable parts of the
 * request path (a bean; define your own to replace {@link ProblemJsonFailureHandler}, the default).
 * Must be thread-safe and must not block; must never echo anything from the request, and never the
 * key.
 */
@FunctionalInterface
public interface ApiKeyFailureHandler {

    /** Prefix of every problem type URI Keygate's gateway answers with. */
    String TYPE_BASE = "https://keygate.dev/problems/";

    /**
     * Answers {@code exchange} with {@code refusal}: must write the response (status and body), as
     * nothing else will; does nothing if the response is already committed.
     */
    Mono<Void> refuse(ServerWebExchange exchange, Refusal refusal);
}
