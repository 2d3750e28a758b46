package dev.keygate.gateway.authentication;

import dev.keygate.core.limit.RateLimit;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.cloud.gateway.route.Route;

/**
 * What a route asks of callers, read from the route's metadata under the key {@value
 * #METADATA_KEY}:
 *
 * <pre>
 * spring.cloud.gateway.server.webflux.routes:
 *   - id: orders
 *     uri: http://orders:8080
 *     predicates: [ Path=/orders/** ]
 *     metadata:
 *       keygate:
 *         scopes: [ orders:read ]        # every one of them is required
 *         organizations: [ acme, globex ] # the key must belong to at least one
 *         rate-limit:                    # each key at most 10 a second on this route
 *           requests: 10
 *           per: 1s                      # whole seconds, 1s to 1d
 *           burst: 20                    # default: requests
 *   - id: health
 *     uri: http://orders:8080
 *     predicates: [ Path=/health ]
 *     metadata:
 *       keygate:
 *         public: true                   # no key needed
 * </pre>
 *
 * Lists may also be given as one comma-separated string. A route without this metadata is protected
 * and requires nothing beyond a valid key: secure by default.
 *
 * @param isPublic whether the route needs no key
 * @param scopes scopes the key must all have
 * @param organizations organizations of which the key must belong to at least one (none: any)
 * @param rateLimit a rate limit each key has on this route, on top of its own and its owner's
 *     limits; {@code null} for none
 */
public record RouteRequirements(
        boolean isPublic, Set<String> scopes, Set<String> organizations, RateLimit rateLimit) {

    /** The route metadata key Keygate reads. */
    public static final String METADATA_KEY = "keygate";

    /** The entries the metadata may have. */
    private static final List<String> KNOWN =
            List.of("public", "scopes", "organizations", "rate-limit");

    /** A valid key, nothing more. */
    public static final RouteRequirements ANY_VALID_KEY =
            new RouteRequirements(false, Set.of(), Set.of(), null);

    public RouteRequirements(boolean isPublic, Set<String> scopes, Set<String> organizations) {
        this(isPublic, scopes, organizations, null);
    }

    /**
     * Reads a route's requirements. Malformed metadata throws {@link IllegalArgumentException}
     * naming the route: {@link RouteRequirementsValidation} makes that happen when routes load
     * (refusing the start or the refresh), and the filter answers 503 should a route ever reach it
     * unvalidated.
     */
    public static RouteRequirements of(Route route) {
        if (route == null) {
            return ANY_VALID_KEY;
        }
        Object raw = route.getMetadata().get(METADATA_KEY);
        if (raw == null) {
            return ANY_VALID_KEY;
        }
        if (!(raw instanceof Map<?, ?> metadata)) {
            throw new MalformedRouteRequirementsException(
                    "route '"
                            + route.getId()
                            + "': metadata '"
                            + METADATA_KEY
                            + "' must be a map, was "
                            + raw);
        }
        // a misspelt "scopes" would silently require nothing: an open door, so refuse it
        for (Object name : metadata.keySet()) {
            if (!KNOWN.contains(String.valueOf(name))) {
                throw new MalformedRouteRequirementsException(
                        "route '"
                                + route.getId()
                                + "': metadata '"
                                + METADATA_KEY
                                + "' has an unknown entry '"
                                + name
                                + "'; known: "
                                + KNOWN);
            }
        }
        // anything but true leaves the route protected: a typo there fails closed
        boolean isPublic = Boolean.parseBoolean(String.valueOf(metadata.get("public")));
        return new RouteRequirements(
                isPublic,
                strings(metadata.get("scopes")),
                strings(metadata.get("organizations")),
                rateLimit(route, metadata.get("rate-limit")));
    }

    /** Reads {@code rate-limit: {requests, per, burst}}; a malformed one refuses the route. */
    private static RateLimit rateLimit(Route route, Object raw) {
        if (raw == null) {
            return null;
        }
        String problem;
        if (raw instanceof Map<?, ?> limit) {
            for (Object name : limit.keySet()) {
                if (!List.of("requests", "per", "burst").contains(String.valueOf(name))) {
                    throw malformedRateLimit(route, "unknown entry '" + name + "'");
                }
            }
            try {
                long requests = Long.parseLong(String.valueOf(limit.get("requests")).trim());
                Object per = limit.get("per");
                Duration period =
                        per == null
                                ? Duration.ofSeconds(1)
                                : DurationStyle.detectAndParse(String.valueOf(per).trim());
                Object burst = limit.get("burst");
                return new RateLimit(
                        requests,
                        period,
                        burst == null ? requests : Long.parseLong(String.valueOf(burst).trim()));
            } catch (RuntimeException ex) {
                problem = ex.getMessage();
            }
        } else {
            problem = "must be a map of requests, per and burst, was " + raw;
        }
        throw malformedRateLimit(route, problem);
    }

    private static MalformedRouteRequirementsException malformedRateLimit(
            Route route, String problem) {
        return new MalformedRouteRequirementsException(
                "route '"
                        + route.getId()
                        + "': metadata '"
                        + METADATA_KEY
                        + ".rate-limit' "
                        + problem);
    }

    /** Thrown for a route whose {@value #METADATA_KEY} metadata cannot be read; names the route. */
    public static final class MalformedRouteRequirementsException extends IllegalArgumentException {
        MalformedRouteRequirementsException(String message) {
            super(message);
        }
    }

    private static Set<String> strings(Object value) {
        Set<String> out = new LinkedHashSet<>();
        if (value instanceof Collection<?> collection) {
            collection.forEach(item -> addSplit(out, String.valueOf(item)));
        } else if (value instanceof Map<?, ?> indexed) {
            // YAML lists bound into route metadata can arrive as {"0": a, "1": b}
            indexed.values().forEach(item -> addSplit(out, String.valueOf(item)));
        } else if (value != null) {
            addSplit(out, String.valueOf(value));
        }
        return Set.copyOf(out);
    }

    private static void addSplit(Set<String> out, String value) {
        for (String part : value.split(",")) {
            String trimmed = part.trim();
            if (!trimmed.isEmpty()) {
                out.add(trimmed);
            }
        }
    }
}
