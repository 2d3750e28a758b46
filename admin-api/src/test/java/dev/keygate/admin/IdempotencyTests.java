package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

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
}
