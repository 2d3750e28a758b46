package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.key.SecretHash;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

class IdempotencyTests extends AdminApiTestSupport {

    private WebTestClient.ResponseSpec create(String token, String idempotencyKey, Object body) {
        return as(token)
                .post()
                .uri("/v1/keys")
                .contentType(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", idempotencyKey)
                .bodyValue(body)
                .exchange();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(WebTestClient.ResponseSpec spec) {
        return spec.expectBody(Map.class).returnResult().getResponseBody();
    }

    @Test
    void retryWithTheSameKeyWithinTheWindowGetsTheSameAnswerAndNoSecondKey() {
        Map<String, Object> request = Map.of("owner", "acct-1", "scopes", List.of("a:read"));
        Map<String, Object> first =
                body(create(ADMIN_TOKEN, "retry-1", request).expectStatus().isCreated());
        clock.advance(Duration.ofMinutes(9));
        Map<String, Object> again =
                body(
                        create(ADMIN_TOKEN, "retry-1", request)
                                .expectStatus()
                                .isCreated()
                                .expectHeader()
                                .valueEquals("Idempotent-Replayed", "true"));
        assertThat(again).isEqualTo(first);
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
        Map<String, Object> first =
                body(create(ADMIN_TOKEN, "retry-2", request).expectStatus().isCreated());
        clock.advance(Duration.ofMinutes(10).plusMillis(1));
        Map<String, Object> second =
                body(
                        create(ADMIN_TOKEN, "retry-2", request)
                                .expectStatus()
                                .isCreated()
                                .expectHeader()
                                .doesNotExist("Idempotent-Replayed"));
        assertThat(second.get("id")).isNotEqualTo(first.get("id"));
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
        Map<String, Object> first =
                body(create(ADMIN_TOKEN, "shared", request).expectStatus().isCreated());
        Map<String, Object> other =
                body(create(SECOND_ADMIN_TOKEN, "shared", request).expectStatus().isCreated());
        assertThat(other.get("id")).isNotEqualTo(first.get("id"));
    }

    @Test
    void storedAnswerHoldsNeitherTheKeyNorTheIdempotencyKeyInClear() {
        Map<String, Object> first =
                body(
                        create(ADMIN_TOKEN, "visible-idem-key", Map.of("owner", "acct-1"))
                                .expectStatus()
                                .isCreated());
        String secretPart = ((String) first.get("key")).substring(15);
        @SuppressWarnings("unchecked")
        List<Object> slots = (List<Object>) redis.command("KEYS", "kg:idem:*");
        assertThat(slots).hasSize(1);
        String slot = (String) slots.get(0);
        assertThat(slot).doesNotContain("visible-idem-key");
        String stored = (String) redis.command("GET", slot);
        assertThat(stored)
                .doesNotContain(secretPart)
                .doesNotContain((String) first.get("id"))
                .doesNotContain("acct-1");
        long ttl = ((Number) redis.command("PTTL", slot)).longValue();
        assertThat(ttl).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(10).toMillis());
    }

    @Test
    void rotateRetryReturnsTheSameNewKeyAndRotatesOnce() {
        String id = (String) createKey(Map.of("owner", "acct-1")).get("id");
        Map<String, Object> first =
                body(
                        admin().post()
                                .uri("/v1/keys/{id}/rotate", id)
                                .header("Idempotency-Key", "rot-1")
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue(Map.of("gracePeriod", "PT1M"))
                                .exchange()
                                .expectStatus()
                                .isOk());
        Map<String, Object> again =
                body(
                        admin().post()
                                .uri("/v1/keys/{id}/rotate", id)
                                .header("Idempotency-Key", "rot-1")
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue(Map.of("gracePeriod", "PT1M"))
                                .exchange()
                                .expectStatus()
                                .isOk()
                                .expectHeader()
                                .valueEquals("Idempotent-Replayed", "true"));
        assertThat(again.get("key")).isEqualTo(first.get("key"));
        admin().get()
                .uri("/v1/keys/{id}", id)
                .exchange()
                .expectBody()
                .jsonPath("$.version")
                .isEqualTo(2);
        // same key for another key id is a different request
        String other = (String) createKey(Map.of("owner", "acct-1")).get("id");
        admin().post()
                .uri("/v1/keys/{id}/rotate", other)
                .header("Idempotency-Key", "rot-1")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("gracePeriod", "PT1M"))
                .exchange()
                .expectStatus()
                .isEqualTo(422);
    }

    @Test
    void refusedRequestLeavesTheKeyFreeForAFixedRetry() {
        admin().post()
                .uri("/v1/keys/{id}/rotate", "AAAAAAAAAAA")
                .header("Idempotency-Key", "rot-404")
                .exchange()
                .expectStatus()
                .isNotFound();
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
        return admin().post()
                .uri("/v1/keys/{id}/rotate", id)
                .header("Idempotency-Key", idempotencyKey)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("gracePeriod", grace))
                .exchange();
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

    private static String secretHash(Object key) {
        return SecretHash.of(((String) key).substring(15, 45)).encoded();
    }

    /**
     * Finding 6: the rotation was written but its audit append failed (kg:audit is a string, so
     * XADD fails) and the caller got 503. The retry with the same Idempotency-Key must not rotate
     * again: the original secret keeps its hour of grace and the version is the first write's.
     */
    @Test
    void retryAfterAuditFailureDoesNotRotateTwice() {
        Map<String, Object> created = createKey(Map.of("owner", "acct-1"));
        String id = (String) created.get("id");
        redis.command("SET", "kg:audit", "x");
        rotate(id, "rot-audit", "PT1H").expectStatus().isEqualTo(503);
        assertThat(record(id)).containsEntry("version", "2");
        redis.command("DEL", "kg:audit");

        Map<String, Object> retried =
                body(
                        rotate(id, "rot-audit", "PT1H")
                                .expectStatus()
                                .isOk()
                                .expectHeader()
                                .valueEquals("Idempotent-Replayed", "true"));

        assertThat(retried)
                .containsEntry("version", 2)
                .containsEntry("previousKeyExpiresAt", "2026-01-01T01:00:00Z");
        Map<String, String> record = record(id);
        assertThat(record).containsEntry("version", "2");
        assertThat(record.get("prevHash")).isEqualTo(secretHash(created.get("key")));
        assertThat(record.get("hash")).isEqualTo(secretHash(retried.get("key")));
        admin().get()
                .uri("/v1/audit?keyId={id}&limit=100", id)
                .exchange()
                .expectBody()
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

        Map<String, Object> retried =
                body(
                        create(ADMIN_TOKEN, "create-audit", request)
                                .expectStatus()
                                .isCreated()
                                .expectHeader()
                                .valueEquals("Idempotent-Replayed", "true"));

        Map<String, Object> page =
                body(
                        admin().get()
                                .uri("/v1/keys?owner=acct-orphan")
                                .exchange()
                                .expectStatus()
                                .isOk());
        assertThat((List<?>) page.get("keys")).hasSize(1);
        String id = (String) ((Map<?, ?>) ((List<?>) page.get("keys")).get(0)).get("id");
        assertThat(retried.get("id")).isEqualTo(id);
        assertThat(record(id).get("hash")).isEqualTo(secretHash(retried.get("key")));
        admin().get()
                .uri("/v1/audit?keyId={id}&limit=100", id)
                .exchange()
                .expectBody()
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
        String id = (String) createKey(Map.of("owner", "acct-1")).get("id");
        redis.command("SET", "kg:audit", "x");
        rotate(id, "rot-twice", "PT1H").expectStatus().isEqualTo(503);
        rotate(id, "rot-twice", "PT1H").expectStatus().isEqualTo(503);
        clock.advance(Duration.ofMinutes(5));
        rotate(id, "rot-twice", "PT1H").expectStatus().isEqualTo(503);
        assertThat(record(id)).containsEntry("version", "2");
        assertThat((List<?>) redis.command("KEYS", "kg:idem:*")).hasSize(1);
        redis.command("DEL", "kg:audit");

        Map<String, Object> retried = body(rotate(id, "rot-twice", "PT1H").expectStatus().isOk());
        assertThat(retried).containsEntry("version", 2);
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
        Map<String, Object> created = createKey(Map.of("owner", "acct-1"));
        String id = (String) created.get("id");
        redis.command("SET", "kg:epoch", "x");
        rotate(id, "rot-announce", "PT1H").expectStatus().isEqualTo(503);
        redis.command("DEL", "kg:epoch");

        Map<String, Object> retried =
                body(rotate(id, "rot-announce", "PT1H").expectStatus().isOk());

        assertThat(retried).containsEntry("version", 2);
        Map<String, String> record = record(id);
        assertThat(record).containsEntry("version", "2");
        assertThat(record.get("prevHash")).isEqualTo(secretHash(created.get("key")));
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("1");
        admin().get()
                .uri("/v1/audit?keyId={id}&limit=100", id)
                .exchange()
                .expectBody()
                .jsonPath("$.events.length()")
                .isEqualTo(2)
                .jsonPath("$.events[0].action")
                .isEqualTo("rotated");
    }
}
