package dev.keygate.gateway.authentication;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.cloud.gateway.route.Route;

/**
 * Each route's {@link RouteRequirements}, read once per route instance rather than per request: a
 * route id maps to the route instance it was read from, and a refreshed route (a new instance) is
 * read again. Bounded: cleared when it holds more than {@value #MAXIMUM_ROUTES} ids (routes from
 * discovery may come and go). Thread-safe; lock-free reads.
 */
final class RouteRequirementsCache {

    static final int MAXIMUM_ROUTES = 10_000;

    private record Entry(Route route, RouteRequirements requirements) {}

    private final ConcurrentMap<String, Entry> byRouteId = new ConcurrentHashMap<>();

    /** The requirements of {@code route}; throws as {@link RouteRequirements#of} does. */
    RouteRequirements of(Route route) {
        if (route == null) {
            return RouteRequirements.ANY_VALID_KEY;
        }
        Entry entry = byRouteId.get(route.getId());
        if (entry != null && entry.route() == route) {
            return entry.requirements();
        }
        RouteRequirements requirements = RouteRequirements.of(route);
        if (byRouteId.size() >= MAXIMUM_ROUTES) {
            byRouteId.clear();
        }
        byRouteId.put(route.getId(), new Entry(route, requirements));
        return requirements;
    }
}
