package dev.keygate.admin.idempotency;

import dev.keygate.admin.auth.AdminPrincipal;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.ProblemType;
import dev.keygate.core.store.RedisKeyspace;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;

/**
 * Makes create and rotate safe to retry with an {@code Idempotency-Key}: the first request with a
 * key runs and its answer is kept for the window; a retry with the same key, by the same admin
 * token, for the same request within the window gets that answer again; a retry for a different
 * request gets 422; one made while the first still runs gets 409.
 *
 * <p><b>What is stored.</b> One Redis string per key, {@code <ns>:idem:{<slot>}}, with a TTL of the
 * window. Everything is derived from {@code material = HMAC-SHA256(admin token, token name ‖
 * operation ‖ Idempotency-Key)}: the slot name, a tag of the request's fingerprint, and the AES-256
 * key that encrypts the answer (AES-GCM, random 96-bit nonce, the slot name as associated data).
 * Neither the Idempotency-Key, nor the request, nor the admin token appears in Redis. The answer
 * holds the freshly minted full key, so it is kept encrypted: reading Redis alone (a dump, a
 * replica, a monitoring tool) gives nothing usable without both the caller's admin token and its
 * Idempotency-Key. The trade-off is that for the window a thief of both the admin token and the
 * Idempotency-Key could recover the key — but with the admin token they could mint keys anyway.
 * Replacing an admin token makes its pending answers unreadable: retries with it then count as
 * different requests.
 *
 * <p><b>Time.</b> Expiry is judged with the injected clock (every value starts with its expiry
 * instant); the Redis TTL only collects garbage. A claim left by a request that died is held for at
 * most {@value #PENDING_SECONDS} seconds.
 *
 * <p>Non-blocking and thread-safe. Failure policy: fails closed — a Redis error is an error signal
 * (503), never "run it again without the check".
 */
public final class IdempotencyStore {

    /** The request header. */
    public static final String HEADER = "Idempotency-Key";

    /** Response header set on replayed answers. */
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    static final long PENDING_SECONDS = 60;

    private static final RedisScript<String> CLAIM =
            RedisScript.of(
                    new ClassPathResource("dev/keygate/admin/idempotency/claim.lua"), String.class);
    private static final String PENDING = "P";
    private static final String RESULT = "R";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final ReactiveStringRedisTemplate redis;
    private final String prefix;
    private final Duration window;
    private final Clock clock;
    private final SecureRandom random;
    private final ObjectMapper json;

    public IdempotencyStore(
            ReactiveStringRedisTemplate redis,
            RedisKeyspace keyspace,
            Duration window,
            Clock clock,
            SecureRandom random,
            ObjectMapper json) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.prefix = keyspace.namespace() + ":idem:";
        this.window = Objects.requireNonNull(window, "window");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.json = Objects.requireNonNull(json, "json");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("idempotency window must be positive: " + window);
        }
    }

    /**
     * Runs {@code action} once per {@code idempotencyKey} and request; without a key, just runs it.
     *
     * @param operation what is done ({@code create}, {@code rotate}), part of the slot's identity
     * @param fingerprint identifies the request (path and body); a retry must match it
     * @param type the answer's type, to read a stored answer back
     * @param action the change; an empty or failed action leaves nothing behind
     */
    public <T> Mono<IdempotentOutcome<T>> execute(
            AdminPrincipal principal,
            String operation,
            String idempotencyKey,
            byte[] fingerprint,
            Class<T> type,
            Mono<T> action) {
        if (idempotencyKey == null) {
            return action.map(value -> new IdempotentOutcome<>(value, false));
        }
        return Mono.defer(
                () -> {
                    byte[] material =
                            hmac(
                                    principal.token().getBytes(StandardCharsets.UTF_8),
                                    String.join(
                                                    "\n",
                                                    "keygate-idempotency-v1",
                                                    principal.name(),
                                                    operation,
                                                    idempotencyKey)
                                            .getBytes(StandardCharsets.UTF_8));
                    String slot =
                            prefix
                                    + "{"
                                    + HexFormat.of().formatHex(hmac(material, bytes("slot")), 0, 20)
                                    + "}";
                    String tag =
                            Base64.getEncoder()
                                    .withoutPadding()
                                    .encodeToString(hmac(material, fingerprint));
                    byte[] encryptionKey = hmac(material, bytes("aes-gcm"));
                    long now = clock.millis();
                    Duration pending =
                            window.compareTo(Duration.ofSeconds(PENDING_SECONDS)) < 0
                                    ? window
                                    : Duration.ofSeconds(PENDING_SECONDS);
                    String pendingValue = (now + pending.toMillis()) + "|" + PENDING + "|" + tag;
                    return redis.execute(
                                    CLAIM,
                                    List.of(slot),
                                    List.of(
                                            Long.toString(now),
                                            pendingValue,
                                            Long.toString(pending.toMillis())))
                            .next()
                            .defaultIfEmpty("")
                            .flatMap(
                                    current ->
                                            current.isEmpty()
                                                    ? run(slot, tag, encryptionKey, action)
                                                    : replay(
                                                            slot,
                                                            tag,
                                                            encryptionKey,
                                                            current,
                                                            type));
                });
    }

    private <T> Mono<IdempotentOutcome<T>> run(
            String slot, String tag, byte[] encryptionKey, Mono<T> action) {
        Mono<Boolean> release = redis.delete(slot).thenReturn(true).onErrorReturn(false);
        return action.onErrorResume(ex -> release.then(Mono.error(ex)))
                .switchIfEmpty(release.then(Mono.empty()))
                .flatMap(
                        value -> {
                            long now = clock.millis();
                            String stored =
                                    (now + window.toMillis())
                                            + "|"
                                            + RESULT
                                            + "|"
                                            + tag
                                            + "|"
                                            + encrypt(
                                                    encryptionKey,
                                                    slot,
                                                    json.writeValueAsBytes(value));
                            return redis.opsForValue()
                                    .set(slot, stored, window)
                                    .thenReturn(new IdempotentOutcome<>(value, false));
                        });
    }

    private <T> Mono<IdempotentOutcome<T>> replay(
            String slot, String tag, byte[] encryptionKey, String current, Class<T> type) {
        String[] parts = current.split("\\|", -1);
        if (parts.length < 3 || !MessageDigest.isEqual(bytes(parts[2]), bytes(tag))) {
            return Mono.error(
                    new ProblemException(
                            ProblemType.IDEMPOTENCY_MISMATCH,
                            "this Idempotency-Key was already used for a different request;"
                                    + " use a new key for a new request"));
        }
        if (PENDING.equals(parts[1]) || parts.length != 5) {
            return Mono.error(
                    new ProblemException(
                            ProblemType.IDEMPOTENCY_IN_PROGRESS,
                            "a request with this Idempotency-Key is still running; retry"
                                    + " shortly"));
        }
        return Mono.fromCallable(
                () -> {
                    byte[] plain = decrypt(encryptionKey, slot, parts[3], parts[4]);
                    return new IdempotentOutcome<>(json.readValue(plain, type), true);
                });
    }

    private String encrypt(byte[] key, String slot, byte[] plain) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(
                    Cipher.ENCRYPT_MODE,
                    new SecretKeySpec(key, "AES"),
                    new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(bytes(slot));
            byte[] sealed = cipher.doFinal(plain);
            Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
            return b64.encodeToString(nonce) + "|" + b64.encodeToString(sealed);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("AES-GCM is not usable in this JVM", ex);
        }
    }

    private static byte[] decrypt(byte[] key, String slot, String nonce, String sealed)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(
                Cipher.DECRYPT_MODE,
                new SecretKeySpec(key, "AES"),
                new GCMParameterSpec(TAG_BITS, Base64.getDecoder().decode(nonce)));
        cipher.updateAAD(bytes(slot));
        return cipher.doFinal(Base64.getDecoder().decode(sealed));
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HmacSHA256 is not usable in this JVM", ex);
        }
    }

    private static byte[] bytes(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** A fingerprint of a request: SHA-256 over its parts, each length-prefixed. */
    public static byte[] fingerprint(String... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                byte[] b = bytes(part == null ? "\0null" : part);
                digest.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
                digest.update((byte) ':');
                digest.update(b);
            }
            return digest.digest();
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", ex);
        }
    }

    @Override
    public String toString() {
        return "IdempotencyStore[" + prefix + "*, window=" + window + "]";
    }
}
