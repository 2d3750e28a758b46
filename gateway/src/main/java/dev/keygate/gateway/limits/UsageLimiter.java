package dev.keygate.gateway.limits;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.gateway.authentication.RouteRequirements;
import reactor.core.publisher.Mono;

/**
 * Decides whether an authenticated, authorized request is within its usage limits: the key's own
 * rate limit and quota (or the configured defaults), its owner's shared ones, and the route's
 * per-key rate limit. One part of the request path, replaceable like the others: define a bean of
 * this type and Keygate's is not created.
 *
 * <p>Contract: never signals an error and never completes empty; a store failure is answered by the
 * implementation's own failure policy. Requests to which no limit applies should get {@link
 * LimitOutcome#UNLIMITED} as {@code Mono.just} (a scalar the filter reads at once).
 */
@FunctionalInterface
public interface UsageLimiter {

    /** No limits at all. */
    UsageLimiter NONE = (record, route, routeId) -> LimitOutcome.UNLIMITED_MONO;

    /**
     * @param record the verified key, with its owner's limits
     * @param route what the route asks for (its {@code rate-limit})
     * @param routeId the route's id ({@code null} when there is no route)
     */
    Mono<LimitOutcome> limit(KeyRecord record, RouteRequirements route, String routeId);
}
