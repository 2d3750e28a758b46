package dev.keygate.admin.idempotency;

import dev.keygate.admin.auth.AdminPrincipal;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.ProblemType;
import dev.keygate.core.store.RedisKeyspace;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.type.TypeFactory;

/**
 * Makes create and rotate safe to retry with an {@code Idempotency-Key}: the first request with a
 * key runs and its answer is kept for the window; a retry with the same key, by the same admin
 * token, for the same request within the window gets that answer again; a retry for a different
 * request gets 422; one made while the first still runs gets 409.
 *
 * <p><b>States.</b> A slot is claimed (pending) before the write; a write that fails or finds
 * nothing releases it. Once the write is done the slot holds the answer as committed, and after the
 * steps that follow it (announcing, auditing) as the final answer. A retry that finds a committed
 * answer finishes those steps and replays the answer; it never writes a second time. So a 503 after
 * the write is safe to retry with the same key. Without an Idempotency-Key nothing is stored, and a
 * retry repeats the change.
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
    private static final String COMMITTED = "C";
    private static final String RESULT = "R";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final ReactiveStringRedisTemplate redis;
    private final RedisKeyspace keyspace;
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
        this.keyspace = Objects.requireNonNull(keyspace, "keyspace");
        this.window = Objects.requireNonNull(window, "window");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.json = Objects.requireNonNull(json, "json");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("idempotency window must be positive: " + window);
        }
    }

    /**
     * Writes once per {@code idempotencyKey} and request, then finishes; without a key, just writes
     * and finishes.
     *
     * <p>Once {@code write} has emitted, the change is made and is never made again for this key
     * within the window: the value is stored (encrypted) as committed before {@code finish} runs.
     * If {@code finish} fails, the error is passed on (503) and the claim is kept; a retry with the
     * same key runs {@code finish} again on the stored value instead of writing, and answers that
     * value as a replay when it succeeds (or the error again when it fails again). {@code finish}
     * must therefore be safe to repeat (announcing twice is; an audit event may then be appended
     * twice, never not at all).
     *
     * @param operation what is done ({@code create}, {@code rotate}), part of the slot's identity
     * @param request the request's idempotency key (or none) and fingerprint
     * @param type the answer's (possibly generic) type, to read a stored answer back, made from
     *     this store's type factory
     * @param write the change; an empty or failed write leaves nothing behind, so a corrected retry
     *     may reuse the key
     * @param finish what follows the write (announcing, auditing); may run more than once
     */
    public <T> Mono<IdempotentOutcome<T>> execute(
            AdminPrincipal principal,
            String operation,
            IdempotentRequest request,
            Function<TypeFactory, JavaType> type,
            Mono<T> write,
            Function<T, Mono<Void>> finish) {
        String idempotencyKey = request.key();
        if (idempotencyKey == null) {
            return write.flatMap(
                    value -> finish.apply(value).thenReturn(new IdempotentOutcome<>(value, false)));
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
                            keyspace.idempotency(
                                    HexFormat.of().formatHex(hmac(material, bytes("slot")), 0, 20));
                    String tag =
                            Base64.getEncoder()
                                    .withoutPadding()
                                    .encodeToString(hmac(material, request.fingerprint()));
                    Slot claimed = new Slot(slot, tag, hmac(material, bytes("aes-gcm")));
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
                                                    ? run(claimed, write, finish)
                                                    : replay(
                                                            claimed,
                                                            current,
                                                            type.apply(json.getTypeFactory()),
                                                            finish));
                });
    }

    /** A claimed slot: its Redis key, the request's tag and the key that encrypts its value. */
    private record Slot(String key, String tag, byte[] encryptionKey) {}

    /**
     * The first request: a failed or empty write releases the claim; once the write has emitted,
     * the claim is never released (a failure to store the committed value leaves the pending claim
     * to expire, the best that can be done when Redis fails right then).
     */
    private <T> Mono<IdempotentOutcome<T>> run(
            Slot slot, Mono<T> write, Function<T, Mono<Void>> finish) {
        Mono<Boolean> release = redis.delete(slot.key()).thenReturn(true).onErrorReturn(false);
        return write.onErrorResume(ex -> release.then(Mono.error(ex)))
                .switchIfEmpty(release.then(Mono.empty()))
                .flatMap(
                        value -> {
                            long expires = clock.millis() + window.toMillis();
                            return store(slot, COMMITTED, expires, value)
                                    .then(finish(slot, expires, value, finish))
                                    .thenReturn(new IdempotentOutcome<>(value, false));
                        });
    }

    /** Runs the steps after the write, then stores the value as the final answer. */
    private <T> Mono<Void> finish(
            Slot slot, long expires, T value, Function<T, Mono<Void>> finish) {
        return Mono.defer(() -> finish.apply(value)).then(store(slot, RESULT, expires, value));
    }

    /** Stores {@code value}, encrypted, in the given state until {@code expires} (epoch ms). */
    private Mono<Void> store(Slot slot, String state, long expires, Object value) {
        return Mono.defer(
                () -> {
                    long ttl = expires - clock.millis();
                    if (ttl <= 0) {
                        // the window is over: nothing left to keep
                        return redis.delete(slot.key()).then();
                    }
                    String stored =
                            expires
                                    + "|"
                                    + state
                                    + "|"
                                    + slot.tag()
                                    + "|"
                                    + encrypt(
                                            slot.encryptionKey(),
                                            slot.key(),
                                            json.writeValueAsBytes(value));
                    return redis.opsForValue()
                            .set(slot.key(), stored, Duration.ofMillis(ttl))
                            .then();
                });
    }

    private <T> Mono<IdempotentOutcome<T>> replay(
            Slot slot, String current, JavaType type, Function<T, Mono<Void>> finish) {
        String[] parts = current.split("\\|", -1);
        if (parts.length < 3 || !MessageDigest.isEqual(bytes(parts[2]), bytes(slot.tag()))) {
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
        Mono<T> stored =
                Mono.fromCallable(
                        () ->
                                json.<T>readValue(
                                        decrypt(
                                                slot.encryptionKey(),
                                                slot.key(),
                                                parts[3],
                                                parts[4]),
                                        type));
        if (COMMITTED.equals(parts[1])) {
            // the first request wrote, then failed: finish its steps, never write again
            long expires = Long.parseLong(parts[0]);
            return stored.flatMap(
                    value ->
                            finish(slot, expires, value, finish)
                                    .thenReturn(new IdempotentOutcome<>(value, true)));
        }
        return stored.map(value -> new IdempotentOutcome<>(value, true));
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
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", ex);
        }
    }

    @Override
    public String toString() {
        return "IdempotencyStore[" + keyspace.idempotency("*") + ", window=" + window + "]";
    }
}
