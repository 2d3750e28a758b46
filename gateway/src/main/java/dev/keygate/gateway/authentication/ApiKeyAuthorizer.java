package dev.keygate.gateway.authentication;

import dev.keygate.core.key.KeyRecord;
import java.util.Collections;

/**
 * Checks a valid key against a route's {@link RouteRequirements}: every required scope, and at
 * least one of the required organizations when the route names any. Stateless and thread-safe.
 */
public final class ApiKeyAuthorizer {

    /** Whether {@code record} may use a route that asks for {@code requirements}. */
    public boolean isAllowed(KeyRecord record, RouteRequirements requirements) {
        return record.scopes().containsAll(requirements.scopes())
                && (requirements.organizations().isEmpty()
                        || !Collections.disjoint(
                                record.organizations(), requirements.organizations()));
    }
}
