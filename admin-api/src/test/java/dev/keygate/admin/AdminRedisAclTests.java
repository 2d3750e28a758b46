package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.test.redis.RedisAclFile;
import dev.keygate.test.redis.RedisProcess;
import dev.keygate.test.redis.RespClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The admin API as the {@code keygate-admin} Redis user of {@code deploy/redis/users.acl} (rendered
 * by {@code deploy/redis/render-acl.sh}), connected the way the deployments connect it
 * (spring.data.redis.host, port, username, password): every operation works, including the
 * idempotency claim script, the audit trail and the readiness check, and Redis' ACL LOG records no
 * refusal, so nothing the admin API sends is missing from its user's rules.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminRedisAclTests {

    private static final String TOKEN = "acl-admin-token-0123456789abcdef";

    private RedisAclFile acl;
    private RedisProcess redis;
    private ConfigurableApplicationContext admin;
    private WebTestClient client;
    private WebTestClient management;

    @BeforeAll
    void start(@TempDir Path aclDirectory) {
        acl = RedisAclFile.render(aclDirectory);
        redis = RedisProcess.launch(acl.serverArgs());
        admin =
                SpringApplication.run(
                        AdminApiApplication.class,
                        "--server.port=0",
                        "--management.server.port=0",
                        "--keygate.admin.token=" + TOKEN,
                        "--spring.data.redis.host=" + redis.host(),
                        "--spring.data.redis.port=" + redis.port(),
                        "--spring.data.redis.username=" + RedisAclFile.ADMIN_USER,
                        "--spring.data.redis.password=" + acl.password(RedisAclFile.ADMIN_USER),
                        "--logging.level.root=WARN");
        String port = admin.getEnvironment().getRequiredProperty("local.server.port");
        String managementPort = admin.getEnvironment().getRequiredProperty("local.management.port");
        client =
                WebTestClient.bindToServer()
                        .baseUrl("http://127.0.0.1:" + port)
                        .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
                        .responseTimeout(Duration.ofSeconds(30))
                        .build();
        management =
                WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + managementPort).build();
    }

    @AfterAll
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void adminApiRunsEveryOperationAsItsAclUser() {
        acl.resetDenials(redis);
        management.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();

        Map<String, Object> created =
                client.post()
                        .uri("/v1/keys")
                        .header("Idempotency-Key", "acl-create-1")
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(Map.of("owner", "acct-acl", "scopes", List.of("orders:read")))
                        .exchange()
                        .expectStatus()
                        .isCreated()
                        .expectBody(Map.class)
                        .returnResult()
                        .getResponseBody();
        String id = (String) created.get("id");
        // the idempotent replay reads the stored answer back
        client.post()
                .uri("/v1/keys")
                .header("Idempotency-Key", "acl-create-1")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("owner", "acct-acl", "scopes", List.of("orders:read")))
                .exchange()
                .expectStatus()
                .isCreated()
                .expectHeader()
                .valueEquals("Idempotent-Replayed", "true");
        client.post()
                .uri("/v1/keys/{id}/rotate", id)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("gracePeriod", "PT1M"))
                .exchange()
                .expectStatus()
                .isOk();
        client.patch()
                .uri("/v1/keys/{id}", id)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "renamed", "metadata", Map.of("team", "billing")))
                .exchange()
                .expectStatus()
                .isOk();
        client.get()
                .uri("/v1/keys?owner=acct-acl")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.keys.length()")
                .isEqualTo(1);
        client.get().uri("/v1/keys/{id}", id).exchange().expectStatus().isOk();
        // a failed request with an Idempotency-Key releases its slot (DEL)
        client.post()
                .uri("/v1/keys/{id}/rotate", "AAAAAAAAAAA")
                .header("Idempotency-Key", "acl-rotate-404")
                .exchange()
                .expectStatus()
                .isNotFound();
        client.delete().uri("/v1/keys/{id}", id).exchange().expectStatus().isNoContent();
        client.get()
                .uri("/v1/audit?keyId={id}", id)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.events.length()")
                .isEqualTo(4);

        assertThat(acl.denials(redis)).isEmpty();
        try (RespClient operator = acl.connect(redis, RedisAclFile.OPERATOR_USER)) {
            assertThat(String.valueOf(operator.command("CLIENT", "LIST")))
                    .contains("user=" + RedisAclFile.ADMIN_USER);
            assertThat(operator.command("EXISTS", "kg:key:{" + id + "}")).isEqualTo(0L);
        }
    }
}
