package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import reactor.core.publisher.Flux;

class KeyLifecycleTests extends AdminApiTestSupport {

    @Test
    void createAnswers201WithTheFullKeyOnceAndTheRecordWithoutSecrets() {
        var result =
                admin().post()
                        .uri("/v1/keys")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(
                                Map.of(
                                        "owner",
                                        "acct-1",
                                        "name",
                                        "ci token",
                                        "scopes",
                                        List.of("orders:read", "orders:write"),
                                        "organizations",
                                        List.of("acme"),
                                        "ttl",
                                        "P30D",
                                        "metadata",
                                        Map.of("team", "payments")))
                        .exchange()
                        .expectStatus()
                        .isCreated()
                        .expectHeader()
                        .valueMatches("Location", "/v1/keys/[0-9A-Za-z]{11}")
                        .expectHeader()
                        .valueMatches("Cache-Control", ".*no-store.*")
                        .expectBody(String.class)
                        .returnResult();
        String json = result.getResponseBody();
        assertThat(json).doesNotContain("hash").doesNotContain("sha256");

        Map<String, Object> created = createKey(Map.of("owner", "acct-1"));
        String id = (String) created.get("id");
        String key = (String) created.get("key");
        assertThat(key).startsWith("kg_" + id + "_").hasSize(51);
        assertThat(created)
                .containsEntry("start", "kg_" + id)
                .containsEntry("owner", "acct-1")
                .containsEntry("status", "active")
                .containsEntry("enabled", true);

        String read =
                admin().get()
                        .uri("/v1/keys/{id}", id)
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody(String.class)
                        .returnResult()
                        .getResponseBody();
        assertThat(read)
                .contains("\"start\":\"kg_" + id + "\"")
                .contains("\"status\":\"active\"")
                .doesNotContain("\"key\"")
                .doesNotContain(key.substring(15))
                .doesNotContain("hash");
    }

    @Test
    void createdKeyHasAllRequestedPropertiesAndTtlBecomesAnExpiry() {
        Map<String, Object> created =
                createKey(
                        Map.of(
                                "owner",
                                "acct-1",
                                "name",
                                "ci token",
                                "scopes",
                                List.of("orders:write", "orders:read"),
                                "organizations",
                                List.of("acme"),
                                "ttl",
                                "P30D",
                                "metadata",
                                Map.of("team", "payments")));
        assertThat(created)
                .containsEntry("name", "ci token")
                .containsEntry("scopes", List.of("orders:read", "orders:write"))
                .containsEntry("organizations", List.of("acme"))
                .containsEntry("createdAt", T0.toString())
                .containsEntry("rotatedAt", T0.toString())
                .containsEntry("expiresAt", T0.plus(Duration.ofDays(30)).toString())
                .containsEntry("metadata", Map.of("team", "payments"))
                .containsEntry("version", 1);
    }

    @Test
    void keyPastItsExpiryIsReportedExpired() {
        String id = (String) createKey(Map.of("owner", "acct-1", "ttl", "PT1H")).get("id");
        clock.advance(Duration.ofHours(2));
        admin().get()
                .uri("/v1/keys/{id}", id)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("expired");
    }

    @Test
    void listPagesThroughAnOwnersKeysWithACursor() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            ids.add((String) createKey(Map.of("owner", "acct-1")).get("id"));
        }
        createKey(Map.of("owner", "acct-2"));

        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            String uri =
                    "/v1/keys?owner=acct-1&limit=2" + (cursor == null ? "" : "&cursor=" + cursor);
            @SuppressWarnings("unchecked")
            Map<String, Object> page =
                    admin().get()
                            .uri(uri)
                            .exchange()
                            .expectStatus()
                            .isOk()
                            .expectBody(Map.class)
                            .returnResult()
                            .getResponseBody();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> keys = (List<Map<String, Object>>) page.get("keys");
            assertThat(keys).hasSizeLessThanOrEqualTo(2);
            keys.forEach(
                    k -> {
                        assertThat(k).doesNotContainKey("key");
                        seen.add((String) k.get("id"));
                    });
            cursor = (String) page.get("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(seen).isEqualTo(ids);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void rotateGivesANewKeyForTheSameIdAndKeepsTheOldOneOnlyForTheGracePeriod() {
        Map<String, Object> created = createKey(Map.of("owner", "acct-1"));
        String id = (String) created.get("id");
        clock.advance(Duration.ofMinutes(5));

        @SuppressWarnings("unchecked")
        Map<String, Object> rotated =
                admin().post()
                        .uri("/v1/keys/{id}/rotate", id)
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("gracePeriod", "PT1H"))
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectHeader()
                        .valueMatches("Cache-Control", ".*no-store.*")
                        .expectBody(Map.class)
                        .returnResult()
                        .getResponseBody();
        assertThat(rotated.get("id")).isEqualTo(id);
        assertThat((String) rotated.get("key"))
                .startsWith("kg_" + id + "_")
                .isNotEqualTo(created.get("key"));
        assertThat(rotated)
                .containsEntry("rotatedAt", T0.plus(Duration.ofMinutes(5)).toString())
                .containsEntry("previousKeyExpiresAt", T0.plus(Duration.ofMinutes(65)).toString())
                .containsEntry("version", 2);
    }

    @Test
    void rotateWithoutBodyEndsTheOldKeyAtOnce() {
        String id = (String) createKey(Map.of("owner", "acct-1")).get("id");
        admin().post()
                .uri("/v1/keys/{id}/rotate", id)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.key")
                .exists()
                .jsonPath("$.previousKeyExpiresAt")
                .doesNotExist();
    }

    @Test
    void patchChangesOnlyTheGivenPropertiesAndNullRemovesTheExpiry() {
        String id =
                (String)
                        createKey(
                                        Map.of(
                                                "owner", "acct-1",
                                                "name", "old",
                                                "scopes", List.of("a:read"),
                                                "ttl", "P1D"))
                                .get("id");
        String body =
                "{\"name\":\"new\",\"enabled\":false,\"expiresAt\":null,"
                        + "\"metadata\":{\"team\":\"x\"}}";
        admin().patch()
                .uri("/v1/keys/{id}", id)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.name")
                .isEqualTo("new")
                .jsonPath("$.enabled")
                .isEqualTo(false)
                .jsonPath("$.status")
                .isEqualTo("disabled")
                .jsonPath("$.expiresAt")
                .doesNotExist()
                .jsonPath("$.scopes[0]")
                .isEqualTo("a:read")
                .jsonPath("$.metadata.team")
                .isEqualTo("x")
                .jsonPath("$.version")
                .isEqualTo(2)
                .jsonPath("$.key")
                .doesNotExist();
    }

    @Test
    void deleteAnswers204ThenTheKeyIsGoneAndDeletingAgainIs404() {
        String id = (String) createKey(Map.of("owner", "acct-1")).get("id");
        admin().delete().uri("/v1/keys/{id}", id).exchange().expectStatus().isNoContent();
        admin().get().uri("/v1/keys/{id}", id).exchange().expectStatus().isNotFound();
        admin().delete()
                .uri("/v1/keys/{id}", id)
                .exchange()
                .expectStatus()
                .isNotFound()
                .expectHeader()
                .contentType("application/problem+json")
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/not-found");
    }

    @Test
    void everyChangePublishesAnInvalidationAndBumpsTheEpoch() {
        String id = (String) createKey(Map.of("owner", "acct-1")).get("id");
        admin().post().uri("/v1/keys/{id}/rotate", id).exchange().expectStatus().isOk();
        admin().patch()
                .uri("/v1/keys/{id}", id)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("enabled", false))
                .exchange()
                .expectStatus()
                .isOk();
        admin().delete().uri("/v1/keys/{id}", id).exchange().expectStatus().isNoContent();
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("4");
    }

    @Test
    void auditTrailRecordsEveryChangeWithActorRequestIdAndChangesButNoSecret() {
        String id =
                (String)
                        createKey(Map.of("owner", "acct-1", "scopes", List.of("a:read"))).get("id");
        String other = (String) createKey(Map.of("owner", "acct-2")).get("id");
        String rotatedKey =
                (String)
                        as(SECOND_ADMIN_TOKEN)
                                .post()
                                .uri("/v1/keys/{id}/rotate", id)
                                .header("X-Request-Id", "req-42")
                                .exchange()
                                .expectStatus()
                                .isOk()
                                .expectBody(Map.class)
                                .returnResult()
                                .getResponseBody()
                                .get("key");
        admin().patch()
                .uri("/v1/keys/{id}", id)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("scopes", List.of("a:write")))
                .exchange()
                .expectStatus()
                .isOk();
        admin().delete().uri("/v1/keys/{id}", id).exchange().expectStatus().isNoContent();

        String trail =
                as(READ_ONLY_TOKEN)
                        .get()
                        .uri("/v1/audit?keyId={id}&limit=10", id)
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody()
                        .jsonPath("$.events.length()")
                        .isEqualTo(4)
                        .jsonPath("$.events[0].action")
                        .isEqualTo("removed")
                        .jsonPath("$.events[1].action")
                        .isEqualTo("updated")
                        .jsonPath("$.events[1].changes.scopes")
                        .isEqualTo("a:write")
                        .jsonPath("$.events[2].action")
                        .isEqualTo("rotated")
                        .jsonPath("$.events[2].actor")
                        .isEqualTo("ci")
                        .jsonPath("$.events[2].requestId")
                        .isEqualTo("req-42")
                        .jsonPath("$.events[3].action")
                        .isEqualTo("created")
                        .jsonPath("$.events[3].actor")
                        .isEqualTo("admin")
                        .jsonPath("$.events[3].owner")
                        .isEqualTo("acct-1")
                        .jsonPath("$.events[3].time")
                        .isEqualTo(T0.toString())
                        .jsonPath("$.events[3].changes.scopes")
                        .isEqualTo("a:read")
                        .returnResult()
                        .toString();
        assertThat(trail).doesNotContain(rotatedKey.substring(15)).doesNotContain(other);

        admin().get()
                .uri("/v1/audit?limit=2")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.events.length()")
                .isEqualTo(2);
        assertThat(redis.command("TYPE", "kg:audit")).isEqualTo("stream");
    }

    @Test
    void concurrentRotationsOfOneKeyEachGetTheirOwnKeyAndTheRecordIsConsistent() {
        String id = (String) createKey(Map.of("owner", "acct-1")).get("id");
        int rotations = 16;
        List<Map<String, Object>> answers =
                Flux.range(0, rotations)
                        .flatMap(
                                i ->
                                        org.springframework.web.reactive.function.client.WebClient
                                                .create("http://localhost:" + port)
                                                .post()
                                                .uri("/v1/keys/{id}/rotate", id)
                                                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                                                .retrieve()
                                                .bodyToMono(
                                                        new org.springframework.core
                                                                        .ParameterizedTypeReference<
                                                                Map<String, Object>>() {}),
                                rotations)
                        .collectList()
                        .block(Duration.ofSeconds(30));

        assertThat(answers).hasSize(rotations);
        Set<String> keys = new HashSet<>();
        Set<Object> versions = new HashSet<>();
        for (Map<String, Object> answer : answers) {
            keys.add((String) answer.get("key"));
            versions.add(answer.get("version"));
        }
        assertThat(keys).hasSize(rotations);
        assertThat(versions).hasSize(rotations);
        @SuppressWarnings("unchecked")
        Map<String, Object> record =
                admin().get()
                        .uri("/v1/keys/{id}", id)
                        .exchange()
                        .expectBody(Map.class)
                        .returnResult()
                        .getResponseBody();
        assertThat(record).containsEntry("version", rotations + 1);
        Map<String, Object> winner =
                answers.stream()
                        .filter(a -> ((Number) a.get("version")).intValue() == rotations + 1)
                        .findFirst()
                        .orElseThrow();
        // the last rotation's secret is the one stored
        String secret = ((String) winner.get("key")).substring(15, 45);
        @SuppressWarnings("unchecked")
        List<Object> fields = (List<Object>) redis.command("HGETALL", "kg:key:{" + id + "}");
        assertThat(fields).contains(dev.keygate.core.key.SecretHash.of(secret).encoded());
        admin().get()
                .uri("/v1/audit?keyId={id}&limit=100", id)
                .exchange()
                .expectBody()
                .jsonPath("$.events.length()")
                .isEqualTo(rotations + 1);
    }
}
