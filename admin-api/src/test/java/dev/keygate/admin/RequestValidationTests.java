package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Every refusal is problem+json with a stable type and the field, and writes nothing. */
class RequestValidationTests extends AdminApiTestSupport {

    private static final String VALIDATION = "https://keygate.dev/problems/validation";

    private WebTestClient.BodyContentSpec refusedCreate(String json, int status, String type) {
        long before = redisKeyCount();
        WebTestClient.BodyContentSpec body =
                admin().post()
                        .uri("/v1/keys")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(json)
                        .exchange()
                        .expectStatus()
                        .isEqualTo(status)
                        .expectHeader()
                        .contentType("application/problem+json")
                        .expectBody()
                        .jsonPath("$.type")
                        .isEqualTo(type)
                        .jsonPath("$.status")
                        .isEqualTo(status)
                        .jsonPath("$.title")
                        .exists()
                        .jsonPath("$.detail")
                        .exists();
        assertThat(redisKeyCount()).as("nothing written").isEqualTo(before);
        return body;
    }

    /** A 400 validation problem whose first error is about {@code field}. */
    private static void refusedField(WebTestClient.ResponseSpec response, String field) {
        response.expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo(VALIDATION)
                .jsonPath("$.errors[0].field")
                .isEqualTo(field);
    }

    private void invalidCreate(String json, String field) {
        refusedCreate(json, 400, VALIDATION).jsonPath("$.errors[0].field").isEqualTo(field);
    }

    @Test
    void malformedJsonIsRefused() {
        refusedCreate("{\"owner\": ", 400, "https://keygate.dev/problems/malformed-body");
        refusedCreate("[1,2]", 400, "https://keygate.dev/problems/malformed-body");
    }

    @Test
    void unknownPropertyIsRefusedByName() {
        invalidCreate("{\"owner\":\"acct-1\",\"colour\":\"red\"}", "colour");
    }

    @Test
    void missingOrBlankOwnerIsRefused() {
        invalidCreate("{\"name\":\"x\"}", "owner");
        invalidCreate("{\"owner\":\"  \"}", "owner");
        invalidCreate("{\"owner\":\"has space\"}", "owner");
        invalidCreate("{\"owner\":\"" + "a".repeat(129) + "\"}", "owner");
        invalidCreate("{\"owner\":12}", "owner");
    }

    @Test
    void overLongNameIsRefused() {
        invalidCreate("{\"owner\":\"a\",\"name\":\"" + "n".repeat(201) + "\"}", "name");
    }

    @Test
    void scopesOutsideTheGrammarAreRefusedWithTheirIndex() {
        invalidCreate(
                "{\"owner\":\"a\",\"scopes\":[\"orders:read\",\"Orders:Read\"]}", "scopes[1]");
        invalidCreate("{\"owner\":\"a\",\"scopes\":[\"orders read\"]}", "scopes[0]");
        invalidCreate("{\"owner\":\"a\",\"scopes\":[\":read\"]}", "scopes[0]");
        invalidCreate("{\"owner\":\"a\",\"scopes\":\"orders:read\"}", "scopes");
    }

    @Test
    void tooManyOrBadOrganizationsAndMetadataAreRefused() {
        invalidCreate("{\"owner\":\"a\",\"organizations\":[\"a b\"]}", "organizations[0]");
        invalidCreate(
                "{\"owner\":\"a\",\"metadata\":{\"k\":\"" + "v".repeat(257) + "\"}}", "metadata.k");
        invalidCreate("{\"owner\":\"a\",\"metadata\":{\"k\":1}}", "metadata.k");
    }

    @Test
    void expiryInThePastOrBothExpiryAndTtlAreRefused() {
        invalidCreate(
                "{\"owner\":\"a\",\"expiresAt\":\"" + T0.minusSeconds(1) + "\"}", "expiresAt");
        invalidCreate("{\"owner\":\"a\",\"expiresAt\":\"tomorrow\"}", "expiresAt");
        invalidCreate(
                "{\"owner\":\"a\",\"expiresAt\":\""
                        + T0.plus(Duration.ofDays(1))
                        + "\",\"ttl\":\"P1D\"}",
                "ttl");
        invalidCreate("{\"owner\":\"a\",\"ttl\":\"-P1D\"}", "ttl");
        invalidCreate("{\"owner\":\"a\",\"ttl\":\"P4000D\"}", "ttl");
        // numbers are not instants or durations (no epoch seconds)
        invalidCreate("{\"owner\":\"a\",\"expiresAt\":1893456000}", "expiresAt");
        invalidCreate("{\"owner\":\"a\",\"ttl\":3600}", "ttl");
    }

    @Test
    void allProblemsOfABodyAreReportedTogether() {
        refusedCreate(
                        "{\"name\":\""
                                + "n".repeat(201)
                                + "\",\"scopes\":[\"X\"],\"ttl\":\"-P1D\"}",
                        400,
                        VALIDATION)
                .jsonPath("$.errors.length()")
                .isEqualTo(4)
                .jsonPath("$.errors[*].field")
                .value(
                        fields ->
                                assertThat(fields)
                                        .asInstanceOf(InstanceOfAssertFactories.LIST)
                                        .containsExactly("name", "owner", "scopes[0]", "ttl"));
    }

    /**
     * The trade-off of binding with Jackson: a value of the wrong JSON type stops the binding, so
     * it is the one problem reported (the contract says so), never a silent coercion.
     */
    @Test
    void aValueOfTheWrongTypeIsReportedAloneByItsField() {
        refusedCreate("{\"name\":1,\"scopes\":[\"X\"]}", 400, VALIDATION)
                .jsonPath("$.errors.length()")
                .isEqualTo(1)
                .jsonPath("$.errors[0].field")
                .isEqualTo("name");
    }

    @Test
    void createWithoutABodyNamesTheBody() {
        refusedField(
                admin().post().uri("/v1/keys").contentType(MediaType.APPLICATION_JSON).exchange(),
                "body");
        assertThat(redisKeyCount()).isZero();
    }

    @Test
    void oversizedBodyIs413() {
        String big = "{\"owner\":\"a\",\"name\":\"" + "x".repeat(20_000) + "\"}";
        refusedCreate(big, 413, "https://keygate.dev/problems/payload-too-large");
    }

    @Test
    void wrongContentTypeIs415() {
        admin().post()
                .uri("/v1/keys")
                .contentType(MediaType.TEXT_PLAIN)
                .bodyValue("owner=a")
                .exchange()
                .expectStatus()
                .isEqualTo(415)
                .expectHeader()
                .contentType("application/problem+json");
    }

    @Test
    void negativeOrOverLongGracePeriodIsRefusedAndTheKeyIsUnchanged() {
        String id = createKey(Map.of("owner", "acct-1")).id();
        for (String grace : List.of("-PT1S", "P8D", "soon")) {
            refusedField(adminApi().rotate(id, Map.of("gracePeriod", grace), null), "gracePeriod");
        }
        assertThat(adminApi().get(id).version()).as("unchanged").isEqualTo(1);
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("1");
    }

    @Test
    void unknownIdIs404ForEveryOperation() {
        for (String id : List.of("AAAAAAAAAAA", "not-an-id")) {
            admin().get().uri("/v1/keys/{id}", id).exchange().expectStatus().isNotFound();
            admin().post().uri("/v1/keys/{id}/rotate", id).exchange().expectStatus().isNotFound();
            admin().patch()
                    .uri("/v1/keys/{id}", id)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("name", "x"))
                    .exchange()
                    .expectStatus()
                    .isNotFound()
                    .expectHeader()
                    .contentType("application/problem+json");
            admin().delete().uri("/v1/keys/{id}", id).exchange().expectStatus().isNotFound();
        }
        // nothing written; only the epoch moved (and the change log recorded it, and the first
        // announcement wrote the store's incarnation marker): a removal is announced even when
        // there is nothing left to remove, so that retrying a half-failed removal still reaches
        // every gateway
        assertThat(redis.command("KEYS", "*"))
                .asInstanceOf(InstanceOfAssertFactories.LIST)
                .containsExactlyInAnyOrder(
                        "kg:changes:{kg:epoch}", "kg:epoch", "kg:incarnation:{kg:epoch}");
    }

    @Test
    void patchRefusesUnknownNullOrEmptyChangesAndPastExpiry() {
        String id = createKey(Map.of("owner", "acct-1")).id();
        for (String body :
                List.of(
                        "{}",
                        "{\"owner\":\"b\"}",
                        "{\"enabled\":null}",
                        "{\"enabled\":\"yes\"}",
                        "{\"expiresAt\":\"" + T0.minusSeconds(5) + "\"}",
                        "{\"scopes\":[\"BAD\"]}")) {
            admin().patch()
                    .uri("/v1/keys/{id}", id)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(body)
                    .exchange()
                    .expectStatus()
                    .isBadRequest()
                    .expectBody()
                    .jsonPath("$.type")
                    .isEqualTo(VALIDATION);
        }
        assertThat(adminApi().get(id).version()).as("unchanged").isEqualTo(1);
    }

    @Test
    void listAndAuditParametersAreChecked() {
        admin().get()
                .uri("/v1/keys")
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[0].field")
                .isEqualTo("owner");
        admin().get()
                .uri("/v1/keys?owner=a&limit=0")
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[0].field")
                .isEqualTo("limit");
        admin().get()
                .uri("/v1/keys?owner=a&cursor=zz")
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[0].field")
                .isEqualTo("cursor");
        admin().get()
                .uri("/v1/audit?keyId=nope")
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[0].field")
                .isEqualTo("keyId");
    }

    @Test
    void unmappedPathsAndMethodsAreProblemsToo() {
        admin().get()
                .uri("/v1/nothing-here")
                .exchange()
                .expectStatus()
                .isNotFound()
                .expectHeader()
                .contentType("application/problem+json");
        admin().put()
                .uri("/v1/keys/AAAAAAAAAAA")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{}")
                .exchange()
                .expectStatus()
                .isEqualTo(405)
                .expectHeader()
                .contentType("application/problem+json");
    }
}
