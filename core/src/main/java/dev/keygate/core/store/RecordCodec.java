package dev.keygate.core.store;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.SecretHash;
import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import dev.keygate.core.limit.UsageLimits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps a {@link KeyRecord} to the fields of its Redis hash and back. Instants are ISO-8601, sets
 * are space-separated (their members never contain whitespace), metadata entries are {@code
 * meta.<name>} fields. Stateless.
 */
final class RecordCodec {

    static final String ID = "id";
    static final String OWNER = "owner";
    static final String NAME = "name";
    static final String SCOPES = "scopes";
    static final String ORGANIZATIONS = "orgs";
    static final String CREATED_AT = "createdAt";
    static final String ROTATED_AT = "rotatedAt";
    static final String EXPIRES_AT = "expiresAt";
    static final String ENABLED = "enabled";
    static final String HASH = "hash";
    static final String PREVIOUS_HASH = "prevHash";
    static final String PREVIOUS_UNTIL = "prevUntil";
    static final String VERSION = "version";
    static final String RATE_LIMIT = "rateLimit";
    static final String QUOTA = "quota";
    static final String META_PREFIX = "meta.";

    private RecordCodec() {}

    /**
     * Field/value pairs, flattened, as {@code HSET} takes them. Absent optional fields are left
     * out.
     */
    static List<String> encode(KeyRecord record) {
        List<String> out = new ArrayList<>(32);
        put(out, ID, record.id());
        put(out, OWNER, record.owner());
        put(out, NAME, record.name());
        put(out, SCOPES, joinSet(record.scopes()));
        put(out, ORGANIZATIONS, joinSet(record.organizations()));
        put(out, CREATED_AT, record.createdAt().toString());
        put(out, ROTATED_AT, record.rotatedAt().toString());
        if (record.expiresAt() != null) {
            put(out, EXPIRES_AT, record.expiresAt().toString());
        }
        put(out, ENABLED, record.enabled() ? "1" : "0");
        put(out, HASH, record.secretHash().encoded());
        if (record.previousSecretHash() != null) {
            put(out, PREVIOUS_HASH, record.previousSecretHash().encoded());
            put(out, PREVIOUS_UNTIL, record.previousSecretExpiresAt().toString());
        }
        record.metadata().forEach((name, value) -> put(out, META_PREFIX + name, value));
        putLimits(out, record.limits());
        put(out, VERSION, Long.toString(record.version()));
        return out;
    }

    /** A key's or an owner's limits as {@code HSET} pairs: {@code rateLimit}, {@code quota}. */
    static void putLimits(List<String> out, UsageLimits limits) {
        if (limits.rateLimit() != null) {
            put(out, RATE_LIMIT, limits.rateLimit().encoded());
        }
        if (limits.quota() != null) {
            put(out, QUOTA, limits.quota().encoded());
        }
    }

    /** Reads the limit fields of a key's or an owner's hash. */
    static UsageLimits limits(Map<String, String> fields) {
        String rateLimit = fields.get(RATE_LIMIT);
        String quota = fields.get(QUOTA);
        return UsageLimits.of(
                rateLimit == null ? null : RateLimit.decode(rateLimit),
                quota == null ? null : Quota.decode(quota));
    }

    private static void put(List<String> out, String field, String value) {
        out.add(field);
        out.add(value);
    }

    static String joinSet(java.util.Collection<String> values) {
        return String.join(" ", values);
    }

    /**
     * The members of a space-separated set, interned: a deployment has a handful of distinct scopes
     * and organizations, and a gateway caches up to {@code maximum-size} records that repeat them,
     * so every record shares one copy of each instead of holding its own (the JVM's string table
     * holds interned strings weakly, so ones no record uses any more are collected).
     */
    static Set<String> splitSet(String joined) {
        if (joined == null || joined.isEmpty()) {
            return Set.of();
        }
        String[] members = joined.split(" ");
        Set<String> set = new LinkedHashSet<>(members.length * 2);
        for (String member : members) {
            set.add(member.intern());
        }
        return set;
    }

    /** A flat {@code HGETALL} reply (field, value, ...) as a map. */
    static Map<String, String> pairs(List<?> flat) {
        Map<String, String> fields = new HashMap<>(flat.size());
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            fields.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
        }
        return fields;
    }

    /**
     * Reads a record from its hash fields.
     *
     * @throws IllegalStateException when the hash is not a readable record (corrupt or foreign
     *     data): callers must treat that as a store failure, never as "no such key"
     */
    static KeyRecord decode(Map<String, String> fields) {
        try {
            Map<String, String> metadata = new HashMap<>();
            fields.forEach(
                    (field, value) -> {
                        if (field.startsWith(META_PREFIX)) {
                            metadata.put(field.substring(META_PREFIX.length()), value);
                        }
                    });
            String previousHash = fields.get(PREVIOUS_HASH);
            return new KeyRecord(
                    required(fields, ID),
                    required(fields, OWNER),
                    fields.getOrDefault(NAME, ""),
                    splitSet(fields.get(ORGANIZATIONS)),
                    splitSet(fields.get(SCOPES)),
                    Instant.parse(required(fields, CREATED_AT)),
                    Instant.parse(required(fields, ROTATED_AT)),
                    instantOrNull(fields.get(EXPIRES_AT)),
                    "1".equals(required(fields, ENABLED)),
                    SecretHash.decode(required(fields, HASH)),
                    previousHash == null ? null : SecretHash.decode(previousHash),
                    previousHash == null ? null : Instant.parse(required(fields, PREVIOUS_UNTIL)),
                    metadata,
                    limits(fields),
                    UsageLimits.NONE,
                    Long.parseLong(required(fields, VERSION)));
        } catch (RuntimeException ex) {
            throw new IllegalStateException(
                    "unreadable key record for id '" + fields.get(ID) + "': " + ex.getMessage(),
                    ex);
        }
    }

    private static String required(Map<String, String> fields, String field) {
        String value = fields.get(field);
        if (value == null) {
            throw new IllegalStateException("field '" + field + "' is missing");
        }
        return value;
    }

    private static Instant instantOrNull(String value) {
        return value == null || value.isEmpty() ? null : Instant.parse(value);
    }
}
