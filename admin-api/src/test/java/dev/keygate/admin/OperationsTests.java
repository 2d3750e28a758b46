package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;

/** The actuator on its own port, request ids, and limits that need a running server. */
class OperationsTests extends AdminApiTestSupport {

    @LocalManagementPort int managementPort;

    private WebTestClient management() {
        return WebTestClient.bindToServer().baseUrl("http://localhost:" + managementPort).build();
    }

    /**
     * Regression: the API's security firewall ran on the management port too, answering odd
     * spellings of a probe path with an admin login challenge (and a WARN and a count each).
     */
    @Test
    void theManagementPortAnswersOddPathSpellingsWithoutAnAdminChallenge() {
        management()
                .get()
                .uri(
                        java.net.URI.create(
                                "http://localhost:" + managementPort + "/actuator/health;x"))
                .exchange()
                .expectStatus()
                .isOk();
        management()
                .get()
                .uri(
                        java.net.URI.create(
                                "http://localhost:" + managementPort + "//actuator/health"))
                .exchange()
                .expectHeader()
                .doesNotExist("WWW-Authenticate")
                .expectStatus()
                .value(
                        status ->
                                org.assertj.core.api.Assertions.assertThat(status)
                                        .isNotEqualTo(401));
    }

    @Test
    void managementPortServesProbesInfoMetricsAndPrometheusOnly() {
        management().get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
        management()
                .get()
                .uri("/actuator/health/readiness")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.status")
                .isEqualTo("UP");
        management().get().uri("/actuator/info").exchange().expectStatus().isOk();
        management().get().uri("/actuator/metrics").exchange().expectStatus().isOk();
        management().get().uri("/actuator/prometheus").exchange().expectStatus().isOk();
        for (String hidden : List.of("/actuator/env", "/actuator/beans", "/actuator/configprops")) {
            management().get().uri(hidden).exchange().expectStatus().isNotFound();
        }
        // and not on the API port
        admin().get().uri("/actuator/health").exchange().expectStatus().isNotFound();
    }

    @Test
    void requestIdIsEchoedOrMadeUp() {
        admin().get()
                .uri("/v1/audit")
                .header("X-Request-Id", "abc-123")
                .exchange()
                .expectHeader()
                .valueEquals("X-Request-Id", "abc-123");
        admin().get()
                .uri("/v1/audit")
                .header("X-Request-Id", "bad id with spaces")
                .exchange()
                .expectHeader()
                .valueMatches("X-Request-Id", "[0-9a-f-]{36}");
    }

    @Test
    void oversizedChunkedBodyWithoutContentLengthIs413() {
        byte[] chunk = ("\"" + "x".repeat(1000) + "\",").getBytes();
        Flux<DataBuffer> body =
                Flux.concat(
                        Flux.just(
                                DefaultDataBufferFactory.sharedInstance.wrap(
                                        "{\"owner\":\"a\",\"metadata\":{\"k\":[".getBytes())),
                        Flux.range(0, 40)
                                .map(i -> DefaultDataBufferFactory.sharedInstance.wrap(chunk)));
        admin().post()
                .uri("/v1/keys")
                .contentType(MediaType.APPLICATION_JSON)
                .body(body, DataBuffer.class)
                .exchange()
                .expectStatus()
                .isEqualTo(413)
                .expectHeader()
                .contentType("application/problem+json");
        assertThat(redisKeyCount()).isZero();
    }

    @Test
    void auditFilterFindsAKeysEventsBehindManyOthers() {
        String id = createKey(Map.of("owner", "acct-1")).id();
        for (int i = 0; i < 1200; i++) {
            redis.command(
                    "XADD",
                    "kg:audit",
                    "*",
                    "time",
                    T0.toString(),
                    "action",
                    "created",
                    "keyId",
                    "BBBBBBBBBBB",
                    "owner",
                    "other",
                    "actor",
                    "admin",
                    "requestId",
                    "r" + i);
        }
        auditOf(id, ADMIN_TOKEN)
                .jsonPath("$.events.length()")
                .isEqualTo(1)
                .jsonPath("$.events[0].keyId")
                .isEqualTo(id);
    }
}
