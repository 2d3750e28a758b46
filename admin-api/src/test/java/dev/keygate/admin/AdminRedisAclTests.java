package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.test.redis.RedisAclFile;
import dev.keygate.test.redis.RedisProcess;
import dev.keygate.test.redis.RespClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
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
    private AdminApi api;
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
        api = AdminApi.at(Integer.parseInt(port), TOKEN);
        client = api.client();
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
    void adminApiRunsEveryOperationAsItsAclUser() {
        acl.resetDenials(redis);
        management.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();

        Map<String, Object> request = Map.of("owner", "acct-acl", "scopes", List.of("orders:read"));
        String id =
                AdminApi.key(api.create(request, "acl-create-1").expectStatus().isCreated()).id();
        // the idempotent replay reads the stored answer back
        api.create(request, "acl-create-1")
                .expectStatus()
                .isCreated()
                .expectHeader()
                .valueEquals("Idempotent-Replayed", "true");
        api.rotate(id, Map.of("gracePeriod", "PT1M"), null).expectStatus().isOk();
        api.update(id, Map.of("name", "renamed", "metadata", Map.of("team", "billing")))
                .expectStatus()
                .isOk();
        assertThat(api.list("owner=acct-acl").keys()).hasSize(1);
        api.get(id);
        // a failed request with an Idempotency-Key releases its slot (DEL)
        api.rotate("AAAAAAAAAAA", null, "acl-rotate-404").expectStatus().isNotFound();
        api.remove(id).expectStatus().isNoContent();
        assertThat(api.auditOf(id)).hasSize(4);

        assertThat(acl.denials(redis)).isEmpty();
        try (RespClient operator = acl.connect(redis, RedisAclFile.OPERATOR_USER)) {
            assertThat(String.valueOf(operator.command("CLIENT", "LIST")))
                    .contains("user=" + RedisAclFile.ADMIN_USER);
            assertThat(operator.command("EXISTS", "kg:key:{" + id + "}")).isEqualTo(0L);
        }
    }

    /**
     * The usage reads as the admin user: a key's usage hash (HGETALL), its daily counts (MGET), the
     * last use of listed keys (HGET), ending a rotation's grace (complete.lua), and a removal
     * deleting the usage hash (DEL).
     */
    @Test
    void usageOperationsRunAsTheAclUser() {
        acl.resetDenials(redis);
        String id =
                AdminApi.key(
                                api.create(
                                                Map.of(
                                                        "owner",
                                                        "acct-usage",
                                                        "scopes",
                                                        List.of("orders:read")),
                                                null)
                                        .expectStatus()
                                        .isCreated())
                        .id();
        api.rotate(id, Map.of("gracePeriod", "PT1M"), null).expectStatus().isOk();
        api.get(id);
        client.get().uri("/v1/keys/{id}/usage", id).exchange().expectStatus().isOk();
        assertThat(api.list("owner=acct-usage&unusedFor=PT1S").keys()).hasSizeLessThanOrEqualTo(1);
        client.post().uri("/v1/keys/{id}/rotate/complete", id).exchange().expectStatus().isOk();
        api.remove(id).expectStatus().isNoContent();
        assertThat(acl.denials(redis)).isEmpty();
    }

    /**
     * The usage limits' operations (issue 14) as the admin user: {@code usage.lua} calls {@code
     * TIME} and {@code HMGET}, owner limits are written by a script ({@code DEL}, {@code HSET});
     * without them in {@code deploy/redis/users.acl} every read of a key or an owner with limits
     * would be refused (503).
     */
    @Test
    void limitOperationsRunAsTheAclUser() {
        acl.resetDenials(redis);
        String id =
                AdminApi.key(
                                api.create(
                                                Map.of(
                                                        "owner",
                                                        "acct-lim",
                                                        "rateLimit",
                                                        Map.of("requests", 5, "per", "PT1S"),
                                                        "quota",
                                                        Map.of("requests", 5, "period", "day")),
                                                null)
                                        .expectStatus()
                                        .isCreated())
                        .id();
        api.update(id, "{\"quota\":null}").expectStatus().isOk();
        client.get().uri("/v1/keys/{id}", id).exchange().expectStatus().isOk();
        api.setOwnerLimits("acct-lim", Map.of("quota", Map.of("requests", 9, "period", "month")))
                .expectStatus()
                .isOk();
        api.ownerLimits("acct-lim").expectStatus().isOk();
        api.removeOwnerLimits("acct-lim").expectStatus().isNoContent();
        api.remove(id).expectStatus().isNoContent();
        assertThat(api.auditOfOwner("acct-lim")).hasSize(5);
        assertThat(acl.denials(redis)).isEmpty();
    }

    /**
     * Propagation receipts (issue 18) as the admin user: the subscription to kg:applied
     * (SUBSCRIBE), the registry's read.lua (TIME, GET, ZRANGEBYSCORE, HMGET) with a gateway node
     * reported as the gateway user, and a change's receipt naming it.
     */
    @Test
    void receiptsAndTheGatewayRegistryRunAsTheAclUser() {
        acl.resetDenials(redis);
        try (RespClient gateway = acl.connect(redis, RedisAclFile.GATEWAY_USER)) {
            gateway.command(
                    "ZADD", "kg:gateways:{kg:epoch}", Long.toString(Long.MAX_VALUE / 2), "gw-acl");
            gateway.command(
                    "HSET",
                    "kg:gateways:info:{kg:epoch}",
                    "gw-acl",
                    "0 - 1 9000000000000 1 0 0.0000 host dev");
        }
        client.get()
                .uri("/v1/gateways")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.gateways[0].id")
                .isEqualTo("gw-acl");
        api.create(Map.of("owner", "acct-receipt"), null)
                .expectStatus()
                .isCreated()
                .expectHeader()
                .valueEquals("Keygate-Propagation-Lagging", "gw-acl")
                .expectHeader()
                .valueEquals("Keygate-Propagation-Gateways", "1");
        client.get().uri("/v1/changes/1").exchange().expectStatus().isOk();
        assertThat(acl.denials(redis)).isEmpty();
        try (RespClient operator = acl.connect(redis, RedisAclFile.OPERATOR_USER)) {
            assertThat(String.valueOf(operator.command("CLIENT", "LIST")))
                    .contains("user=" + RedisAclFile.ADMIN_USER)
                    .contains("cmd=subscribe");
        }
    }
}
