package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.web.KeyView;
import dev.keygate.core.key.SecretHash;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

class IdempotencyTests extends AdminApiTestSupport {

    private WebTestClient.ResponseSpec create(String token, String idempotencyKey, Object body) {
        return api(token).create(body, idempotencyKey);
    }

    private static KeyView body(WebTestClient.ResponseSpec spec) {
        return AdminApi.key(spec);
    }

    private static void replayed(WebTestClient.ResponseSpec spec) {
        spec.expectHeader().valueEquals("Idempotent-Replayed", "true");
    }

    /** The answer, which must be marked as a replay. */
    private static KeyView replay(WebTestClient.ResponseSpec spec) {
        replayed(spec);
        return body(spec);
    }

    @Test
    void retryWithTheSameKeyWithinTheWindowGetsTheSameAnswerAndNoSecondKey() {
        Map<String, Object> request = Map.of("owner", "acct-1", "scopes", List.of("a:read"));
        KeyView first = body(create(ADMIN_TOKEN, "retry-1", request).expectStatus().isCreated());
        clock.advance(Duration.ofMinutes(9));
        KeyView again = replay(create(ADMIN_TOKEN, "retry-1", request).expectStatus().isCreated());
        // the same answer; its propagation receipt is the replay's own
        assertThat(again.withPropagation(null)).isEqualTo(first.withPropagation(null));
        admin().get()
                .uri("/v1/keys?owner=acct-1")
                .exchange()
                .expectBody()
                .jsonPath("$.keys.length()")
                .isEqualTo(1);
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("1");
    }

    @Test
    void afterTheWindowTheSameKeyCreatesANewKey() {
        Map<String, Object> request = Map.of("owner", "acct-1");
        KeyView first = body(create(ADMIN_TOKEN, "retry-2", request).expectStatus().isCreated());
        clock.advance(Duration.ofMinutes(10).plusMillis(1));
        KeyView second =
                body(
                        create(ADMIN_TOKEN, "retry-2", request)
                                .expectStatus()
                                .isCreated()
                                .expectHeader()
                                .doesNotExist("Idempotent-Replayed"));
        assertThat(second.id()).isNotEqualTo(first.id());
    }

    @Test
    void sameKeyWithADifferentBodyIs422AndWritesNothing() {
        create(ADMIN_TOKEN, "retry-3", Map.of("owner", "acct-1")).expectStatus().isCreated();
        create(ADMIN_TOKEN, "retry-3", Map.of("owner", "acct-2"))
                .expectStatus()
                .isEqualTo(422)
                .expectHeader()
                .contentType("application/problem+json")
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/idempotency-key-reused");
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("1");
    }

    @Test
    void keysAreScopedToTheAdminToken() {
        Map<String, Object> request = Map.of("owner", "acct-1");
        KeyView first = body(create(ADMIN_TOKEN, "shared", request).expectStatus().isCreated());
        KeyView other =
                body(create(SECOND_ADMIN_TOKEN, "shared", request).expectStatus().isCreated());
        assertThat(other.id()).isNotEqualTo(first.id());
    }

    @Test
    void storedAnswerHoldsNeitherTheKeyNorTheIdempotencyKeyInClear() {
        KeyView first =
                body(
                        create(ADMIN_TOKEN, "visible-idem-key", Map.of("owner", "acct-1"))
                                .expectStatus()
                                .isCreated());
        String secretPart = first.key().substring(15);
        @SuppressWarnings("unchecked")
        List<Object> slots = (List<Object>) redis.command("KEYS", "kg:idem:*");
        assertThat(slots).hasSize(1);
        String slot = (String) slots.get(0);
        assertThat(slot).doesNotContain("visible-idem-key");
        String stored = (String) redis.command("GET", slot);
        assertThat(stored)
                .doesNotContain(secretPart)
                .doesNotContain(first.id())
                .doesNotContain("acct-1");
        long ttl = ((Number) redis.command("PTTL", slot)).longValue();
        assertThat(ttl).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());
    }

    @Test
    void rotateRetryReturnsTheSameNewKeyAndRotatesOnce() {
        String id = createKey(Map.of("owner", "acct-1")).id();
        KeyView first = body(rotate(id, "rot-1", "PT1M").expectStatus().isOk());
        WebTestClient.ResponseSpec replay = rotate(id, "rot-1", "PT1M").expectStatus().isOk();
        replayed(replay);
        KeyView again = body(replay);
        assertThat(again.key()).isEqualTo(first.key());
        admin().get()
                .uri("/v1/keys/{id}", id)
                .exchange()
                .expectBody()
                .jsonPath("$.version")
                .isEqualTo(2);
        // same key for another key id is a different request
        String other = createKey(Map.of("owner", "acct-1")).id();
        rotate(other, "rot-1", "PT1M").expectStatus().isEqualTo(422);
    }

    @Test
    void refusedRequestLeavesTheKeyFreeForAFixedRetry() {
        adminApi().rotate("AAAAAAAAAAA", null, "rot-404").expectStatus().isNotFound();
        assertThat((List<?>) redis.command("KEYS", "kg:idem:*")).isEmpty();
        create(ADMIN_TOKEN, "bad idem key \u00e9", Map.of("owner", "a"))
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[0].field")
                .isEqualTo("Idempotency-Key");
    }

    @Test
    void concurrentRequestsWithOneKeyCreateOneKeyAtMost() {
        int requests = 8;
        List<Integer> statuses =
                reactor.core.publisher.Flux.range(0, requests)
                        .flatMap(
                                i ->
                                        org.springframework.web.reactive.function.client.WebClient
                                                .create("http://localhost:" + port)
                                                .post()
                                                .uri("/v1/keys")
                                                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                                                .header("Idempotency-Key", "race-1")
                                                .contentType(MediaType.APPLICATION_JSON)
                                                .bodyValue(Map.of("owner", "acct-race"))
                                                .exchangeToMono(
                                                        r ->
                                                                r.releaseBody()
                                                                        .thenReturn(
                                                                                r.statusCode()
                                                                                        .value())),
                                requests)
                        .collectList()
                        .block(Duration.ofSeconds(30));
        assertThat(statuses).hasSize(requests).allMatch(s -> s == 201 || s == 409).contains(201);
        admin().get()
                .uri("/v1/keys?owner=acct-race")
                .exchange()
                .expectBody()
                .jsonPath("$.keys.length()")
                .isEqualTo(1);
    }

    private WebTestClient.ResponseSpec rotate(String id, String idempotencyKey, String grace) {
        return adminApi().rotate(id, Map.of("gracePeriod", grace), idempotencyKey);
    }

    /**
     * Creates a key, makes every command on {@code brokenKey} fail (it becomes a string of the
     * wrong kind), and rotates with {@code idempotencyKey}, which must answer 503; the created key.
     */
    private KeyView rotationFailingOn(String brokenKey, String idempotencyKey) {
        KeyView created = createKey(Map.of("owner", "acct-1"));
        redis.command("SET", brokenKey, "x");
        rotate(created.id(), idempotencyKey, "PT1H").expectStatus().isEqualTo(503);
        return created;
    }

    /** The key's record as Redis holds it, field by field. */
    private static Map<String, String> record(String id) {
        List<?> fields = (List<?>) redis.command("HGETALL", "kg:key:{" + id + "}");
        Map<String, String> record = new java.util.HashMap<>();
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            record.put((String) fields.get(i), (String) fields.get(i + 1));
        }
        return record;
    }

    private static String secretHash(String key) {
        return SecretHash.of(key.substring(15, 45)).encoded();
    }

    /**
     * Finding 6: the rotation was written but its audit append failed (kg:audit is a string, so
     * XADD fails) and the caller got 503. The retry with the same Idempotency-Key must not rotate
     * again: the original secret keeps its hour of grace and the version is the first write's.
     */
    @Test
    void retryAfterAuditFailureDoesNotRotateTwice() {
        KeyView created = rotationFailingOn("kg:audit", "rot-audit");
        String id = created.id();
        assertThat(record(id)).containsEntry("version", "2");
        redis.command("DEL", "kg:audit");

        KeyView retried = replay(rotate(id, "rot-audit", "PT1H").expectStatus().isOk());

        assertThat(retried.version()).isEqualTo(2);
        assertThat(retried.previousKeyExpiresAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
        Map<String, String> record = record(id);
        assertThat(record).containsEntry("version", "2");
        assertThat(record.get("prevHash")).isEqualTo(secretHash(created.key()));
        assertThat(record.get("hash")).isEqualTo(secretHash(retried.key()));
        auditOf(id, ADMIN_TOKEN)
                .jsonPath("$.events.length()")
                .isEqualTo(1)
                .jsonPath("$.events[0].action")
                .isEqualTo("rotated")
                .jsonPath("$.events[0].changes.version")
                .isEqualTo("2");
    }

    /**
     * Finding 6: a create whose audit append failed answered 503; the retry with the same
     * Idempotency-Key must answer that key (with its secret, which the caller never saw), not mint
     * a second one.
     */
    @Test
    void retryAfterAuditFailureDoesNotCreateASecondKey() {
        Map<String, Object> request = Map.of("owner", "acct-orphan");
        redis.command("SET", "kg:audit", "x");
        create(ADMIN_TOKEN, "create-audit", request).expectStatus().isEqualTo(503);
        redis.command("DEL", "kg:audit");

        KeyView retried =
                replay(create(ADMIN_TOKEN, "create-audit", request).expectStatus().isCreated());

        List<KeyView> keys = adminApi().list("owner=acct-orphan").keys();
        assertThat(keys).hasSize(1);
        String id = keys.get(0).id();
        assertThat(retried.id()).isEqualTo(id);
        assertThat(record(id).get("hash")).isEqualTo(secretHash(retried.key()));
        auditOf(id, ADMIN_TOKEN)
                .jsonPath("$.events.length()")
                .isEqualTo(1)
                .jsonPath("$.events[0].action")
                .isEqualTo("created");
    }

    /**
     * Finding 6: while the audit still fails, every retry answers 503 again, keeps the claim and
     * writes nothing more; once it works, the retry finishes with the first write's answer.
     */
    @Test
    void retryWhileTheAuditStillFailsAnswers503AndStillWritesOnce() {
        String id = createKey(Map.of("owner", "acct-1")).id();
        redis.command("SET", "kg:audit", "x");
        rotate(id, "rot-twice", "PT1H").expectStatus().isEqualTo(503);
        rotate(id, "rot-twice", "PT1H").expectStatus().isEqualTo(503);
        clock.advance(Duration.ofMinutes(5));
        rotate(id, "rot-twice", "PT1H").expectStatus().isEqualTo(503);
        assertThat(record(id)).containsEntry("version", "2");
        assertThat((List<?>) redis.command("KEYS", "kg:idem:*")).hasSize(1);
        redis.command("DEL", "kg:audit");

        KeyView retried = body(rotate(id, "rot-twice", "PT1H").expectStatus().isOk());
        assertThat(retried.version()).isEqualTo(2);
        assertThat(record(id)).containsEntry("version", "2");
        assertThat(redis.command("XLEN", "kg:audit")).isEqualTo(1L);
    }

    /**
     * Finding 6, the other step after the write: the rotation was written but could not be
     * announced (kg:epoch is not a number, so INCR fails). The retry announces it and does not
     * rotate again.
     */
    @Test
    void retryAfterAnnouncementFailureDoesNotRotateTwice() {
        KeyView created = rotationFailingOn("kg:epoch", "rot-announce");
        String id = created.id();
        redis.command("DEL", "kg:epoch");

        KeyView retried = body(rotate(id, "rot-announce", "PT1H").expectStatus().isOk());

        assertThat(retried.version()).isEqualTo(2);
        Map<String, String> record = record(id);
        assertThat(record).containsEntry("version", "2");
        assertThat(record.get("prevHash")).isEqualTo(secretHash(created.key()));
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("1");
        auditOf(id, ADMIN_TOKEN)
                .jsonPath("$.events.length()")
                .isEqualTo(2)
                .jsonPath("$.events[0].action")
                .isEqualTo("rotated");
    }
}
