package dev.keygate.gateway.authentication;

import dev.keygate.core.key.KeyRecord;
import java.util.Collections;

/**
 * Decides whether a valid key may use a route. One of the replaceable parts of the request path (a
 * bean; define your own to replace the default, {@link #scopesAndOrganizations()}). Must be
 * thread-safe, fast and non-blocking: it runs on the event loop for every authenticated request.
 */
@FunctionalInterface
public interface ApiKeyAuthorizer {

    /** Whether {@code record} may use a route that asks for {@code requirements}. */
    boolean isAllowed(KeyRecord record, RouteRequirements requirements);

    /**
     * The default: the key must have every scope the route requires, and belong to at least one of
     * the route's organizations when it names any. Stateless.
     */
    static ApiKeyAuthorizer scopesAndOrganizations() {
        return (record, requirements) ->
                record.scopes().containsAll(requirements.scopes())
                        && (requirements.organizations().isEmpty()
                                || !Collections.disjoint(
                                        record.organizations(), requirements.organizations()));
    }
}
