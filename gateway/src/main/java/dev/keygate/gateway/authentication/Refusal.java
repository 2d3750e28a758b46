package dev.keygate.gateway.authentication;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Why a request was refused: the one value every part of the request path hands to {@link
 * ApiKeyFailureHandler#refuse}. The {@link Reason} says what the caller sees (status, problem type,
 * RFC 6750 error code) and tags the {@code keygate.auth} metric; a throttled refusal carries how
 * long to wait, a forbidden one the scopes the route requires (named in the challenge). The
 * refusals without details are shared constants ({@link #of}), so refusing allocates nothing.
 * Immutable.
 *
 * @param reason what went wrong
 * @param retryAfter how long the caller should wait ({@code Retry-After}); zero when not said
 * @param requiredScopes the scopes the route requires, for {@link Reason#FORBIDDEN}; else empty
 * @param violatedPolicies the usage-limit policies that refused the request (named as in the {@code
 *     RateLimit} header fields), for {@link Reason#RATE_LIMITED} and {@link Reason#QUOTA_EXCEEDED};
 *     else empty
 */
public record Refusal(
        Reason reason,
        Duration retryAfter,
        Set<String> requiredScopes,
        List<String> violatedPolicies)
        implements AuthenticationResult {

    private static final Map<Reason, Refusal> PLAIN = new EnumMap<>(Reason.class);

    static {
        for (Reason reason : Reason.values()) {
            PLAIN.put(reason, new Refusal(reason, Duration.ZERO, Set.of(), List.of()));
        }
    }

    public Refusal {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(retryAfter, "retryAfter");
        requiredScopes = Set.copyOf(requiredScopes);
        violatedPolicies = List.copyOf(violatedPolicies);
    }

    /** A refusal without violated policies. */
    public Refusal(Reason reason, Duration retryAfter, Set<String> requiredScopes) {
        this(reason, retryAfter, requiredScopes, List.of());
    }

    /** The refusal for {@code reason} with no details (the handler adds its default wait). */
    public static Refusal of(Reason reason) {
        return PLAIN.get(reason);
    }

    /** 403: a valid key without a scope or organization the route requires. */
    public static Refusal forbidden(Set<String> requiredScopes) {
        return requiredScopes.isEmpty()
                ? of(Reason.FORBIDDEN)
                : new Refusal(Reason.FORBIDDEN, Duration.ZERO, requiredScopes);
    }

    /** 429: the client failed too often; it may try again after {@code retryAfter}. */
    public static Refusal throttled(Duration retryAfter) {
        return new Refusal(Reason.THROTTLED, retryAfter, Set.of());
    }

    /**
     * 429: a usage limit refused the request ({@link Reason#RATE_LIMITED} or {@link
     * Reason#QUOTA_EXCEEDED}); it may be sent again after {@code retryAfter}.
     */
    public static Refusal overLimit(Reason reason, Duration retryAfter, List<String> violated) {
        if (reason != Reason.RATE_LIMITED && reason != Reason.QUOTA_EXCEEDED) {
            throw new IllegalArgumentException("not a usage-limit reason: " + reason);
        }
        return new Refusal(reason, retryAfter, Set.of(), violated);
    }

    /**
     * Every reason a request can be refused, with the response it gets. The 401 reasons share one
     * response byte for byte ({@link Response#INVALID}), so the answer is no oracle; the metric
     * tells them apart.
     */
    public enum Reason {
        /** No key was presented. */
        MISSING(Response.MISSING),
        /** Something was presented but it is not a well-formed key (checked without I/O). */
        MALFORMED(Response.INVALID),
        /** Two different keys were presented in one request. */
        AMBIGUOUS(Response.AMBIGUOUS),
        /** Well-formed, but no key has that id (never existed, or removed). */
        UNKNOWN(Response.INVALID),
        /** The id exists but the secret is not its current (or in-grace previous) secret. */
        BAD_SECRET(Response.INVALID),
        /** The secret is one that was rotated away and whose grace period is over. */
        REVOKED(Response.INVALID),
        /** The key has expired. */
        EXPIRED(Response.INVALID),
        /** The key is disabled. */
        DISABLED(Response.INVALID),
        /** Valid key, but it lacks a scope or organization the route requires. */
        FORBIDDEN(Response.FORBIDDEN),
        /** Too many failed attempts from the client's address: refused before any lookup. */
        THROTTLED(Response.THROTTLED),
        /**
         * The key store could not be asked, or the cache could not be trusted and Redis did not
         * answer.
         */
        UNAVAILABLE(Response.UNAVAILABLE),
        /** The request firewall refused the path or method (not an authentication attempt). */
        REJECTED(Response.REJECTED),
        /** A valid key over one of its rate limits (the key's, its owner's, the route's). */
        RATE_LIMITED(Response.RATE_LIMITED),
        /** A valid key over its quota, or its owner's, for the current day or month. */
        QUOTA_EXCEEDED(Response.QUOTA_EXCEEDED),
        /**
         * The quota could not be checked (Redis did not answer in time) and quotas fail closed
         * ({@code keygate.gateway.limits.quota-on-failure=closed}).
         */
        LIMITS_UNAVAILABLE(Response.LIMITS_UNAVAILABLE);

        private final Response response;

        Reason(Response response) {
            this.response = response;
        }

        /** What the caller sees. */
        public Response response() {
            return response;
        }

        /** Lower-case code, for metric tags. */
        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Whether this is the verdict of an authentication attempt (counted in keygate.auth); the
         * firewall's and the usage limits' refusals are not (limits count in keygate.limits).
         */
        public boolean isAuthenticationOutcome() {
            return this != REJECTED
                    && this != RATE_LIMITED
                    && this != QUOTA_EXCEEDED
                    && this != LIMITS_UNAVAILABLE;
        }
    }

    /**
     * The distinct answers a caller can get: status, problem type (after {@link
     * ApiKeyFailureHandler#TYPE_BASE}), title, detail, and the RFC 6750 {@code error} of the
     * challenge ({@code null}: no error code; no challenge at all for the non-401/403 ones).
     */
    public enum Response {
        MISSING(
                401,
                "missing-api-key",
                "API key required",
                "This resource requires an API key.",
                null),
        INVALID(
                401,
                "invalid-api-key",
                "Invalid API key",
                "The API key is not valid.",
                "invalid_token"),
        AMBIGUOUS(
                400,
                "ambiguous-api-key",
                "More than one API key",
                "The request carries more than one different API key; send exactly one.",
                "invalid_request"),
        FORBIDDEN(
                403,
                "insufficient-scope",
                "Insufficient scope",
                "The API key is valid but not allowed to use this resource.",
                "insufficient_scope"),
        THROTTLED(
                429,
                "too-many-failed-attempts",
                "Too many failed attempts",
                "Too many requests with invalid API keys came from this address. Retry later.",
                null),
        REJECTED(
                400,
                "rejected-request",
                "Request rejected",
                "The request path must be in canonical form: no dot segments, encoded slashes or"
                        + " percent signs, backslashes, semicolons, double slashes or control"
                        + " characters; or the method is not allowed.",
                null),
        UNAVAILABLE(
                503,
                "key-store-unavailable",
                "API keys cannot be verified",
                "API keys cannot be verified right now. Retry later.",
                null),
        RATE_LIMITED(
                429,
                "rate-limited",
                "Rate limit exceeded",
                "The API key sent more requests than its rate limit allows. Retry later.",
                null),
        QUOTA_EXCEEDED(
                429,
                "quota-exceeded",
                "Quota exceeded",
                "The API key has used its request quota for the current period.",
                null),
        LIMITS_UNAVAILABLE(
                503,
                "limits-unavailable",
                "Usage limits cannot be checked",
                "The request's quota cannot be checked right now. Retry later.",
                null);

        private final int status;
        private final String type;
        private final String title;
        private final String detail;
        private final String error;

        Response(int status, String type, String title, String detail, String error) {
            this.status = status;
            this.type = type;
            this.title = title;
            this.detail = detail;
            this.error = error;
        }

        public int status() {
            return status;
        }

        public String type() {
            return type;
        }

        public String title() {
            return title;
        }

        public String detail() {
            return detail;
        }

        /** The RFC 6750 error code of the challenge, or {@code null}. */
        public String error() {
            return error;
        }

        /**
         * Whether the answer carries a {@code WWW-Authenticate} challenge: 401 and 403, and the 400
         * for two keys ({@code invalid_request}).
         */
        public boolean challenges() {
            return status == 401 || status == 403 || this == AMBIGUOUS;
        }
    }
}
