package dev.keygate.admin.web;

import dev.keygate.admin.problem.Problem.FieldError;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.ProblemType;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.core.store.NewKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns request bodies (already parsed as JSON objects) and parameters into store requests,
 * checking every rule of {@link InputLimits}. All problems of a body are reported together, each
 * with its field. Never touches the store, so a refused request writes nothing.
 *
 * <p>Stateless apart from the injected clock; thread-safe.
 */
public final class KeyRequestReader {

    private static final Pattern OWNER = Pattern.compile(InputLimits.OWNER);
    private static final Pattern SCOPE = Pattern.compile(InputLimits.SCOPE);
    private static final Pattern ORGANIZATION = Pattern.compile(InputLimits.ORGANIZATION);
    private static final Pattern METADATA_KEY = Pattern.compile(InputLimits.METADATA_KEY);
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");

    private static final Set<String> CREATE_FIELDS =
            Set.of("owner", "name", "scopes", "organizations", "expiresAt", "ttl", "metadata");
    private static final Set<String> ROTATE_FIELDS = Set.of("gracePeriod");
    private static final Set<String> UPDATE_FIELDS =
            Set.of("name", "scopes", "organizations", "expiresAt", "enabled", "metadata");

    private final Clock clock;
    private final Duration maxGracePeriod;

    public KeyRequestReader(Clock clock, Duration maxGracePeriod) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxGracePeriod = Objects.requireNonNull(maxGracePeriod, "maxGracePeriod");
    }

    /** The key to create. */
    public NewKey readCreate(Map<String, Object> body) {
        Fields fields = new Fields(requireBody(body));
        fields.refuseUnknown(CREATE_FIELDS);
        String owner = fields.string("owner", true, InputLimits.MAX_OWNER_LENGTH);
        if (owner != null && !OWNER.matcher(owner).matches()) {
            fields.error(
                    "owner",
                    "must be 1-128 letters, digits or . _ : @ - and start with a letter or digit");
        }
        String name = fields.name();
        Set<String> scopes = fields.scopes();
        Set<String> organizations = fields.organizations();
        Instant expiresAt = fields.futureInstant("expiresAt");
        Duration ttl = fields.duration("ttl");
        Instant now = now();
        if (fields.has("expiresAt") && fields.has("ttl")) {
            fields.error("ttl", "give either expiresAt or ttl, not both");
        } else if (ttl != null) {
            if (ttl.isNegative() || ttl.isZero()) {
                fields.error("ttl", "must be positive");
            } else if (ttl.compareTo(InputLimits.MAX_LIFETIME) > 0) {
                fields.error("ttl", "must be at most " + InputLimits.MAX_LIFETIME);
            } else {
                expiresAt = now.plus(ttl);
            }
        }
        Map<String, String> metadata = fields.metadata();
        fields.throwIfAny();
        return new NewKey(owner, name, scopes, organizations, expiresAt, metadata);
    }

    /** The grace period of a rotation: zero when there is no body or no {@code gracePeriod}. */
    public Duration readRotate(Map<String, Object> body) {
        if (body == null) {
            return Duration.ZERO;
        }
        Fields fields = new Fields(body);
        fields.refuseUnknown(ROTATE_FIELDS);
        Duration grace = fields.duration("gracePeriod");
        if (grace != null && grace.isNegative()) {
            fields.error("gracePeriod", "must not be negative");
        } else if (grace != null && grace.compareTo(maxGracePeriod) > 0) {
            fields.error("gracePeriod", "must be at most " + maxGracePeriod);
        }
        fields.throwIfAny();
        return grace == null ? Duration.ZERO : grace;
    }

    /** The partial change. */
    public KeyUpdate readUpdate(Map<String, Object> body) {
        Fields fields = new Fields(requireBody(body));
        fields.refuseUnknown(UPDATE_FIELDS);
        if (body.isEmpty()) {
            throw new ProblemException(
                    ProblemType.VALIDATION,
                    "the body names nothing to change; give at least one of " + UPDATE_FIELDS,
                    List.of(new FieldError("body", "names nothing to change")));
        }
        KeyUpdate update = KeyUpdate.none();
        for (String field : List.of("name", "scopes", "organizations", "enabled", "metadata")) {
            if (fields.has(field) && body.get(field) == null) {
                fields.error(field, "must not be null");
            }
        }
        if (fields.has("name") && body.get("name") != null) {
            update = update.withName(fields.name());
        }
        if (fields.has("scopes") && body.get("scopes") != null) {
            update = update.withScopes(fields.scopes());
        }
        if (fields.has("organizations") && body.get("organizations") != null) {
            update = update.withOrganizations(fields.organizations());
        }
        if (fields.has("expiresAt")) {
            update =
                    update.withExpiresAt(
                            body.get("expiresAt") == null
                                    ? Optional.empty()
                                    : Optional.ofNullable(fields.futureInstant("expiresAt")));
        }
        if (fields.has("enabled") && body.get("enabled") != null) {
            if (body.get("enabled") instanceof Boolean enabled) {
                update = update.withEnabled(enabled);
            } else {
                fields.error("enabled", "must be true or false");
            }
        }
        if (fields.has("metadata") && body.get("metadata") != null) {
            update = update.withMetadata(fields.metadata());
        }
        fields.throwIfAny();
        return update;
    }

    /**
     * A key id from the path. A malformed id cannot exist, so it is "not found" without asking the
     * store.
     */
    public static String requireId(String id) {
        if (!ApiKeyFormat.isWellFormedId(id)) {
            throw ProblemException.notFound("no key with id '" + abbreviate(id) + "'");
        }
        return id;
    }

    /** A page size parameter, default {@value InputLimits#DEFAULT_PAGE_SIZE}. */
    public static int readLimit(String limit) {
        if (limit == null || limit.isEmpty()) {
            return InputLimits.DEFAULT_PAGE_SIZE;
        }
        try {
            int value = Integer.parseInt(limit);
            if (value >= 1 && value <= InputLimits.MAX_PAGE_SIZE) {
                return value;
            }
        } catch (NumberFormatException ex) {
            // reported below
        }
        throw ProblemException.invalid(
                "limit", "must be a whole number from 1 to " + InputLimits.MAX_PAGE_SIZE);
    }

    /** A required owner query parameter. */
    public static String readOwner(String owner) {
        if (owner == null || owner.isEmpty()) {
            throw ProblemException.invalid("owner", "is required");
        }
        if (!OWNER.matcher(owner).matches()) {
            throw ProblemException.invalid(
                    "owner",
                    "must be 1-128 letters, digits or . _ : @ - and start with a letter or digit");
        }
        return owner;
    }

    /** A listing cursor (the last id of the previous page), or {@code null}. */
    public static String readCursor(String cursor) {
        if (cursor == null || cursor.isEmpty()) {
            return null;
        }
        if (!ApiKeyFormat.isWellFormedId(cursor)) {
            throw ProblemException.invalid("cursor", "is not a cursor this API handed out");
        }
        return cursor;
    }

    /** A key id query parameter (audit filter), or {@code null}. */
    public static String readKeyIdFilter(String keyId) {
        if (keyId == null || keyId.isEmpty()) {
            return null;
        }
        if (!ApiKeyFormat.isWellFormedId(keyId)) {
            throw ProblemException.invalid(
                    "keyId", "must be a key id (" + ApiKeyFormat.ID_LENGTH + " base62 characters)");
        }
        return keyId;
    }

    /** An {@code Idempotency-Key} header value, or {@code null}. */
    public static String readIdempotencyKey(String value) {
        if (value == null) {
            return null;
        }
        if (!IDEMPOTENCY_KEY.matcher(value).matches()) {
            throw ProblemException.invalid(
                    "Idempotency-Key",
                    "must be 1-"
                            + InputLimits.MAX_IDEMPOTENCY_KEY_LENGTH
                            + " visible ASCII"
                            + " characters (a UUID is a good choice)");
        }
        return value;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    private static Map<String, Object> requireBody(Map<String, Object> body) {
        if (body == null) {
            throw ProblemException.invalid("body", "a JSON object is required");
        }
        return body;
    }

    private static String abbreviate(String value) {
        if (value == null) {
            return "";
        }
        String printable = value.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }

    /** One body being read, with the errors found so far. Not thread-safe: one per request. */
    private final class Fields {
        private final Map<String, Object> body;
        private final List<FieldError> errors = new ArrayList<>();

        Fields(Map<String, Object> body) {
            this.body = body;
        }

        boolean has(String field) {
            return body.containsKey(field);
        }

        void error(String field, String detail) {
            errors.add(new FieldError(field, detail));
        }

        void refuseUnknown(Set<String> known) {
            for (String field : body.keySet()) {
                if (!known.contains(field)) {
                    error(abbreviate(field), "is not a known property");
                }
            }
        }

        void throwIfAny() {
            if (errors.isEmpty()) {
                return;
            }
            StringBuilder detail = new StringBuilder();
            for (FieldError error : errors) {
                if (!detail.isEmpty()) {
                    detail.append("; ");
                }
                detail.append(error.field()).append(": ").append(error.detail());
            }
            throw new ProblemException(ProblemType.VALIDATION, detail.toString(), errors);
        }

        String string(String field, boolean required, int maxLength) {
            Object value = body.get(field);
            if (value == null) {
                if (required) {
                    error(field, "is required");
                }
                return null;
            }
            if (!(value instanceof String text)) {
                error(field, "must be a string");
                return null;
            }
            if (required && text.isBlank()) {
                error(field, "must not be blank");
                return null;
            }
            if (text.length() > maxLength) {
                error(field, "must be at most " + maxLength + " characters");
                return null;
            }
            return text;
        }

        String name() {
            String name = string("name", false, InputLimits.MAX_NAME_LENGTH);
            if (name != null && name.chars().anyMatch(Character::isISOControl)) {
                error("name", "must not contain control characters");
                return null;
            }
            return name == null ? null : name.strip();
        }

        Set<String> scopes() {
            return tokens(
                    "scopes",
                    InputLimits.MAX_SCOPES,
                    SCOPE,
                    "must be 'resource' or 'resource:action' in lower case (grammar "
                            + InputLimits.SCOPE
                            + ", at most "
                            + InputLimits.MAX_SCOPE_LENGTH
                            + " characters)");
        }

        Set<String> organizations() {
            return tokens(
                    "organizations",
                    InputLimits.MAX_ORGANIZATIONS,
                    ORGANIZATION,
                    "must be 1-128 letters, digits or . _ - and start with a letter or digit");
        }

        private Set<String> tokens(String field, int maxItems, Pattern pattern, String rule) {
            Object value = body.get(field);
            if (value == null) {
                return Set.of();
            }
            if (!(value instanceof List<?> list)) {
                error(field, "must be an array of strings");
                return Set.of();
            }
            if (list.size() > maxItems) {
                error(field, "must have at most " + maxItems + " entries");
                return Set.of();
            }
            Set<String> out = new LinkedHashSet<>();
            for (int i = 0; i < list.size(); i++) {
                Object item = list.get(i);
                String at = field + "[" + i + "]";
                if (!(item instanceof String text)) {
                    error(at, "must be a string");
                } else if (text.length() > InputLimits.MAX_SCOPE_LENGTH
                        || !pattern.matcher(text).matches()) {
                    error(at, rule);
                } else {
                    out.add(text);
                }
            }
            return out;
        }

        Instant futureInstant(String field) {
            Object value = body.get(field);
            if (value == null) {
                return null;
            }
            if (!(value instanceof String text)) {
                error(field, "must be an ISO-8601 instant such as 2030-01-01T00:00:00Z");
                return null;
            }
            Instant instant;
            try {
                instant = Instant.parse(text);
            } catch (DateTimeParseException ex) {
                error(field, "must be an ISO-8601 instant such as 2030-01-01T00:00:00Z");
                return null;
            }
            Instant now = now();
            if (!instant.isAfter(now)) {
                error(field, "must be in the future (now is " + now + ")");
                return null;
            }
            if (instant.isAfter(now.plus(InputLimits.MAX_LIFETIME))) {
                error(field, "must be at most " + InputLimits.MAX_LIFETIME + " from now");
                return null;
            }
            return instant.truncatedTo(ChronoUnit.MILLIS);
        }

        Duration duration(String field) {
            Object value = body.get(field);
            if (value == null) {
                return null;
            }
            if (value instanceof String text) {
                try {
                    return Duration.parse(text);
                } catch (DateTimeParseException ex) {
                    // reported below
                }
            }
            error(field, "must be an ISO-8601 duration such as PT1H or P7D");
            return null;
        }

        Map<String, String> metadata() {
            Object value = body.get("metadata");
            if (value == null) {
                return Map.of();
            }
            if (!(value instanceof Map<?, ?> map)) {
                error("metadata", "must be an object of strings");
                return Map.of();
            }
            if (map.size() > InputLimits.MAX_METADATA_ENTRIES) {
                error(
                        "metadata",
                        "must have at most " + InputLimits.MAX_METADATA_ENTRIES + " entries");
                return Map.of();
            }
            Map<String, String> out = new LinkedHashMap<>();
            map.forEach(
                    (key, item) -> {
                        String name = String.valueOf(key);
                        String at = "metadata." + abbreviate(name);
                        if (!METADATA_KEY.matcher(name).matches()) {
                            error(
                                    at,
                                    "a metadata name must be 1-64 letters, digits or . _ - and"
                                            + " start with a letter or digit");
                        } else if (!(item instanceof String text)) {
                            error(at, "must be a string");
                        } else if (text.length() > InputLimits.MAX_METADATA_VALUE_LENGTH) {
                            error(
                                    at,
                                    "must be at most "
                                            + InputLimits.MAX_METADATA_VALUE_LENGTH
                                            + " characters");
                        } else if (text.chars().anyMatch(Character::isISOControl)) {
                            error(at, "must not contain control characters");
                        } else {
                            out.put(name, text);
                        }
                    });
            return out;
        }
    }
}
