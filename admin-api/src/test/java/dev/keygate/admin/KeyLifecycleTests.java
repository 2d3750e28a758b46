package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.web.KeyPageView;
import dev.keygate.admin.web.KeyView;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import reactor.core.publisher.Flux;

class KeyLifecycleTests extends AdminApiTestSupport {

    /** A create naming every property. */
    private static final Map<String, Object> FULL_REQUEST =
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
                    Map.of("team", "payments"));

    @Test
    void createAnswers201WithTheFullKeyOnceAndTheRecordWithoutSecrets() {
        var result =
                admin().post()
                        .uri("/v1/keys")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(FULL_REQUEST)
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

        KeyView created = createKey(Map.of("owner", "acct-1"));
        String id = created.id();
        String key = created.key();
        assertThat(key).startsWith("kg_" + id + "_").hasSize(51);
        assertThat(created.start()).isEqualTo("kg_" + id);
        assertThat(created.owner()).isEqualTo("acct-1");
        assertThat(created.status()).isEqualTo("active");
        assertThat(created.enabled()).isTrue();

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
        KeyView created = createKey(FULL_REQUEST);
        assertThat(created.name()).isEqualTo("ci token");
        assertThat(created.scopes()).containsExactly("orders:read", "orders:write");
        assertThat(created.organizations()).containsExactly("acme");
        assertThat(created.createdAt()).isEqualTo(T0);
        assertThat(created.rotatedAt()).isEqualTo(T0);
        assertThat(created.expiresAt()).isEqualTo(T0.plus(Duration.ofDays(30)));
        assertThat(created.metadata()).isEqualTo(Map.of("team", "payments"));
        assertThat(created.version()).isEqualTo(1);
    }

    @Test
    void keyPastItsExpiryIsReportedExpired() {
        String id = createKey(Map.of("owner", "acct-1", "ttl", "PT1H")).id();
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
            ids.add(createKey(Map.of("owner", "acct-1")).id());
        }
        createKey(Map.of("owner", "acct-2"));

        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            KeyPageView page =
                    adminApi()
                            .list(
                                    "owner=acct-1&limit=2"
                                            + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.keys()).hasSizeLessThanOrEqualTo(2);
            page.keys()
                    .forEach(
                            k -> {
                                assertThat(k.key()).isNull();
                                seen.add(k.id());
                            });
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null);
        assertThat(seen).isEqualTo(ids);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void rotateGivesANewKeyForTheSameIdAndKeepsTheOldOneOnlyForTheGracePeriod() {
        KeyView created = createKey(Map.of("owner", "acct-1"));
        String id = created.id();
        clock.advance(Duration.ofMinutes(5));

        KeyView rotated =
                AdminApi.key(
                        adminApi()
                                .rotate(id, Map.of("gracePeriod", "PT1H"), null)
                                .expectStatus()
                                .isOk()
                                .expectHeader()
                                .valueMatches("Cache-Control", ".*no-store.*"));
        assertThat(rotated.id()).isEqualTo(id);
        assertThat(rotated.key()).startsWith("kg_" + id + "_").isNotEqualTo(created.key());
        assertThat(rotated.rotatedAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
        assertThat(rotated.previousKeyExpiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(65)));
        assertThat(rotated.version()).isEqualTo(2);
    }

    @Test
    void rotateWithoutBodyEndsTheOldKeyAtOnce() {
        String id = createKey(Map.of("owner", "acct-1")).id();
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
                createKey(
                                Map.of(
                                        "owner", "acct-1",
                                        "name", "old",
                                        "scopes", List.of("a:read"),
                                        "ttl", "P1D"))
                        .id();
        String body =
                "{\"name\":\"new\",\"enabled\":false,\"expiresAt\":null,"
                        + "\"metadata\":{\"team\":\"x\"}}";
        adminApi()
                .update(id, body)
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
        String id = createKey(Map.of("owner", "acct-1")).id();
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
        String id = createKey(Map.of("owner", "acct-1")).id();
        adminApi().rotate(id, null, null).expectStatus().isOk();
        adminApi().update(id, Map.of("enabled", false)).expectStatus().isOk();
        adminApi().remove(id).expectStatus().isNoContent();
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("4");
    }

    @Test
    void auditTrailRecordsEveryChangeWithActorRequestIdAndChangesButNoSecret() {
        String id = createKey(Map.of("owner", "acct-1", "scopes", List.of("a:read"))).id();
        String other = createKey(Map.of("owner", "acct-2")).id();
        String rotatedKey =
                AdminApi.key(
                                as(SECOND_ADMIN_TOKEN)
                                        .post()
                                        .uri("/v1/keys/{id}/rotate", id)
                                        .header("X-Request-Id", "req-42")
                                        .exchange()
                                        .expectStatus()
                                        .isOk())
                        .key();
        adminApi().update(id, Map.of("scopes", List.of("a:write"))).expectStatus().isOk();
        adminApi().remove(id).expectStatus().isNoContent();

        String trail =
                auditOf(id, READ_ONLY_TOKEN)
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
        String id = createKey(Map.of("owner", "acct-1")).id();
        int rotations = 16;
        List<KeyView> answers =
                Flux.range(0, rotations)
                        .flatMap(
                                i ->
                                        org.springframework.web.reactive.function.client.WebClient
                                                .create("http://localhost:" + port)
                                                .post()
                                                .uri("/v1/keys/{id}/rotate", id)
                                                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                                                .retrieve()
                                                .bodyToMono(KeyView.class),
                                rotations)
                        .collectList()
                        .block(Duration.ofSeconds(30));

        assertThat(answers).hasSize(rotations);
        Set<String> keys = new HashSet<>();
        Set<Long> versions = new HashSet<>();
        for (KeyView answer : answers) {
            keys.add(answer.key());
            versions.add(answer.version());
        }
        assertThat(keys).hasSize(rotations);
        assertThat(versions).hasSize(rotations);
        assertThat(adminApi().get(id).version()).isEqualTo(rotations + 1);
        KeyView winner =
                answers.stream()
                        .filter(a -> a.version() == rotations + 1)
                        .findFirst()
                        .orElseThrow();
        // the last rotation's secret is the one stored
        String secret = winner.key().substring(15, 45);
        @SuppressWarnings("unchecked")
        List<Object> fields = (List<Object>) redis.command("HGETALL", "kg:key:{" + id + "}");
        assertThat(fields).contains(dev.keygate.core.key.SecretHash.of(secret).encoded());
        auditOf(id, ADMIN_TOKEN).jsonPath("$.events.length()").isEqualTo(rotations + 1);
    }
}
