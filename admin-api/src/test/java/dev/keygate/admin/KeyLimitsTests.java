package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.admin.web.KeyView;
import dev.keygate.core.limit.LimitCheck;
import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import dev.keygate.core.limit.RedisLimitCounters;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A key's own limits (issue 14): set on create and by PATCH, removed by {@code null}, refused with
 * a problem naming the field when invalid, shown on every answer, and their usage shown when one
 * key is read. Gateway traffic is simulated by calling the limit script as a gateway does.
 */
class KeyLimitsTests extends AdminApiTestSupport {

    private static final String VALIDATION = "https://keygate.dev/problems/validation";

    private static final Map<String, Object> RATE =
            Map.of("requests", 100, "per", "PT1S", "burst", 200);
    private static final Map<String, Object> QUOTA = Map.of("requests", 100000, "period", "day");

    /** Invalid limits and the field each refusal must name. */
    private static final List<List<String>> INVALID =
            List.of(
                    List.of("{\"rateLimit\":{\"requests\":1,\"per\":\"PT0.5S\"}}", "rateLimit.per"),
                    List.of("{\"rateLimit\":{\"requests\":1,\"per\":\"P2D\"}}", "rateLimit.per"),
                    List.of("{\"rateLimit\":{\"requests\":1,\"per\":\"PT0S\"}}", "rateLimit.per"),
                    List.of("{\"rateLimit\":{\"requests\":1,\"per\":\"soon\"}}", "rateLimit.per"),
                    List.of("{\"rateLimit\":{\"requests\":1}}", "rateLimit.per"),
                    List.of(
                            "{\"rateLimit\":{\"requests\":0,\"per\":\"PT1S\"}}",
                            "rateLimit.requests"),
                    List.of(
                            "{\"rateLimit\":{\"requests\":1000000001,\"per\":\"PT1S\"}}",
                            "rateLimit.requests"),
                    List.of(
                            "{\"rateLimit\":{\"requests\":\"5\",\"per\":\"PT1S\"}}",
                            "rateLimit.requests"),
                    List.of(
                            "{\"rateLimit\":{\"requests\":1.5,\"per\":\"PT1S\"}}",
                            "rateLimit.requests"),
                    List.of(
                            "{\"rateLimit\":{\"requests\":5,\"per\":\"PT1S\",\"burst\":0}}",
                            "rateLimit.burst"),
                    List.of(
                            "{\"rateLimit\":{\"requests\":5,\"per\":\"PT1S\",\"colour\":\"red\"}}",
                            "rateLimit.colour"),
                    List.of("{\"rateLimit\":\"100/s\"}", "rateLimit"),
                    List.of("{\"quota\":{\"requests\":10,\"period\":\"week\"}}", "quota.period"),
                    List.of("{\"quota\":{\"requests\":10}}", "quota.period"),
                    List.of("{\"quota\":{\"requests\":0,\"period\":\"day\"}}", "quota.requests"),
                    List.of(
                            "{\"quota\":{\"requests\":10,\"period\":\"day\",\"every\":2}}",
                            "quota.every"));

    @Autowired RedisLimitCounters counters;

    @Test
    void createWithLimitsShowsThemInTheAnswerAndOnRead() {
        KeyView created = createKey(Map.of("owner", "acct-1", "rateLimit", RATE, "quota", QUOTA));
        assertThat(created.rateLimit().requests()).isEqualTo(100);
        assertThat(created.rateLimit().per()).isEqualTo(Duration.ofSeconds(1));
        assertThat(created.rateLimit().burst()).isEqualTo(200);
        assertThat(created.quota().requests()).isEqualTo(100000);
        assertThat(created.quota().period()).isEqualTo("day");
        assertThat(created.usage()).as("no usage on create").isNull();

        adminApi()
                .client()
                .get()
                .uri("/v1/keys/{id}", created.id())
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rateLimit.requests")
                .isEqualTo(100)
                .jsonPath("$.rateLimit.per")
                .isEqualTo("PT1S")
                .jsonPath("$.rateLimit.burst")
                .isEqualTo(200)
                .jsonPath("$.quota.requests")
                .isEqualTo(100000)
                .jsonPath("$.quota.period")
                .isEqualTo("day")
                .jsonPath("$.usage.quota.used")
                .isEqualTo(0)
                .jsonPath("$.usage.quota.remaining")
                .isEqualTo(100000)
                .jsonPath("$.usage.rateLimit.remaining")
                .isEqualTo(200);
    }

    @Test
    void anIdempotentReplayOfACreateWithLimitsAnswersTheSameLimitsAndCreatesNothing() {
        Map<String, Object> request = Map.of("owner", "acct-1", "rateLimit", RATE, "quota", QUOTA);
        KeyView first =
                AdminApi.key(adminApi().create(request, "limits-1").expectStatus().isCreated());
        KeyView replay =
                AdminApi.key(
                        adminApi()
                                .create(request, "limits-1")
                                .expectStatus()
                                .isCreated()
                                .expectHeader()
                                .valueEquals("Idempotent-Replayed", "true"));
        // the same answer; its propagation receipt is made anew (the replay's own wait)
        assertThat(replay)
                .usingRecursiveComparison()
                .ignoringFields("propagation")
                .isEqualTo(first);
        assertThat(adminApi().list("owner=acct-1").keys()).hasSize(1);

        // other limits under the same Idempotency-Key are a different request
        adminApi()
                .create(Map.of("owner", "acct-1", "quota", QUOTA), "limits-1")
                .expectStatus()
                .isEqualTo(422);
    }

    @Test
    void aRateLimitWithoutBurstGetsABurstOfItsRequests() {
        KeyView created =
                createKey(
                        Map.of(
                                "owner",
                                "acct-1",
                                "rateLimit",
                                Map.of("requests", 10, "per", "PT1M")));
        assertThat(created.rateLimit().burst()).isEqualTo(10);
        assertThat(created.quota()).isNull();
    }

    @Test
    void aKeyWithoutLimitsShowsNeitherLimitsNorUsage() {
        String id = createKey(Map.of("owner", "acct-1")).id();
        String json =
                admin().get()
                        .uri("/v1/keys/{id}", id)
                        .exchange()
                        .expectStatus()
                        .isOk()
                        .expectBody(String.class)
                        .returnResult()
                        .getResponseBody();
        assertThat(json)
                .doesNotContain("\"rateLimit\"")
                .doesNotContain("\"quota\"")
                .doesNotContain("\"usage\"");
    }

    @Test
    void usageShowsOnlyThePartsForTheLimitsTheKeyHas() {
        String id = createKey(Map.of("owner", "acct-1", "quota", QUOTA)).id();
        admin().get()
                .uri("/v1/keys/{id}", id)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.usage.quota.used")
                .isEqualTo(0)
                .jsonPath("$.usage.rateLimit")
                .doesNotExist()
                .jsonPath("$.rateLimit")
                .doesNotExist();
    }

    @Test
    void listPagesShowLimitsButNoUsage() {
        createKey(Map.of("owner", "acct-1", "rateLimit", RATE));
        var page = adminApi().list("owner=acct-1");
        assertThat(page.keys()).hasSize(1);
        assertThat(page.keys().get(0).rateLimit().requests()).isEqualTo(100);
        assertThat(page.keys().get(0).usage()).isNull();
    }

    @Test
    void usageShowsWhatTheGatewaysCounted() {
        String id =
                createKey(
                                Map.of(
                                        "owner",
                                        "acct-1",
                                        "rateLimit",
                                        Map.of("requests", 10, "per", "PT1H"),
                                        "quota",
                                        Map.of("requests", 100, "period", "month")))
                        .id();
        gatewayRequests(
                3,
                LimitCheck.rate(
                        "key",
                        counters.keyRate("acct-1", id),
                        RateLimit.of(10, Duration.ofHours(1))),
                LimitCheck.quota(
                        "key-quota",
                        counters.keyQuota("acct-1", id),
                        new Quota(100, Quota.Period.MONTH)));

        KeyView read = adminApi().get(id);
        assertThat(read.usage().quota().used()).isEqualTo(3);
        assertThat(read.usage().quota().remaining()).isEqualTo(97);
        Instant resetsAt = read.usage().quota().resetsAt();
        assertThat(resetsAt).isAfter(Instant.now());
        assertThat(resetsAt.truncatedTo(ChronoUnit.DAYS)).isEqualTo(resetsAt);
        assertThat(resetsAt.toString()).matches("\\d{4}-\\d{2}-01T00:00:00Z");
        // one request refills every 6 minutes: the three are not back yet
        assertThat(read.usage().rateLimit().remaining()).isEqualTo(7);
    }

    @Test
    void patchSetsALimitLeavesAnAbsentOneAndNullRemovesOne() {
        String id = createKey(Map.of("owner", "acct-1", "quota", QUOTA)).id();

        adminApi()
                .update(id, Map.of("rateLimit", RATE))
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rateLimit.burst")
                .isEqualTo(200)
                .jsonPath("$.quota.requests")
                .isEqualTo(100000)
                .jsonPath("$.usage")
                .doesNotExist();

        adminApi()
                .update(id, "{\"quota\":null,\"name\":\"renamed\"}")
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.quota")
                .doesNotExist()
                .jsonPath("$.rateLimit.requests")
                .isEqualTo(100)
                .jsonPath("$.name")
                .isEqualTo("renamed");

        adminApi()
                .update(id, "{\"rateLimit\":{\"requests\":5,\"per\":\"PT1M\"}}")
                .expectStatus()
                .isOk();
        KeyView changed = adminApi().get(id);
        assertThat(changed.rateLimit().requests()).isEqualTo(5);
        assertThat(changed.rateLimit().per()).isEqualTo(Duration.ofMinutes(1));
        assertThat(changed.rateLimit().burst()).as("a limit given replaces all of it").isEqualTo(5);

        adminApi().update(id, "{\"rateLimit\":null}").expectStatus().isOk();
        KeyView cleared = adminApi().get(id);
        assertThat(cleared.rateLimit()).isNull();
        assertThat(cleared.quota()).isNull();
        assertThat(cleared.usage()).isNull();
        assertThat(cleared.version()).isEqualTo(5);
    }

    @Test
    void limitChangesAreInTheUpdatedEventsChanges() {
        String id = createKey(Map.of("owner", "acct-1", "rateLimit", RATE)).id();
        adminApi().update(id, Map.of("quota", QUOTA)).expectStatus().isOk();
        adminApi().update(id, "{\"rateLimit\":null}").expectStatus().isOk();

        List<AuditEvent> events = adminApi().auditOf(id);
        assertThat(events)
                .extracting(AuditEvent::action)
                .containsExactly("updated", "updated", "created");
        assertThat(events.get(0).changes()).isEqualTo(Map.of("rateLimit", ""));
        assertThat(events.get(1).changes())
                .isEqualTo(Map.of("quota", "requests=100000 period=day"));
        assertThat(events.get(2).changes())
                .containsEntry("rateLimit", "requests=100 per=PT1S burst=200")
                .doesNotContainKey("quota");
    }

    @Test
    void invalidLimitsOnCreateAre400NamingTheFieldAndWriteNothing() {
        for (List<String> invalid : INVALID) {
            String body = "{\"owner\":\"acct-1\"," + invalid.get(0).substring(1);
            refused(
                    admin().post()
                            .uri("/v1/keys")
                            .contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(body)
                            .exchange(),
                    invalid.get(1),
                    body);
        }
        assertThat(redisKeyCount()).as("nothing written").isZero();
    }

    @Test
    void invalidLimitsOnPatchAre400NamingTheFieldAndChangeNothing() {
        String id = createKey(Map.of("owner", "acct-1", "rateLimit", RATE, "quota", QUOTA)).id();
        for (List<String> invalid : INVALID) {
            refused(adminApi().update(id, invalid.get(0)), invalid.get(1), invalid.get(0));
        }
        KeyView unchanged = adminApi().get(id);
        assertThat(unchanged.version()).isEqualTo(1);
        assertThat(unchanged.rateLimit().burst()).isEqualTo(200);
        assertThat(unchanged.quota().period()).isEqualTo("day");
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("1");
    }

    @Test
    void everyInvalidMemberOfALimitIsReportedTogether() {
        admin().post()
                .uri("/v1/keys")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(
                        "{\"owner\":\"acct-1\",\"rateLimit\":{\"requests\":0,\"per\":\"P2D\","
                                + "\"burst\":0},\"quota\":{\"requests\":0,\"period\":\"week\"}}")
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[*].field")
                .isEqualTo(
                        List.of(
                                "quota.period",
                                "quota.requests",
                                "rateLimit.burst",
                                "rateLimit.per",
                                "rateLimit.requests"));
    }

    @Test
    void removingAKeyDeletesItsCounters() {
        String id = createKey(Map.of("owner", "acct-1", "rateLimit", RATE, "quota", QUOTA)).id();
        gatewayRequests(
                2,
                LimitCheck.rate(
                        "key",
                        counters.keyRate("acct-1", id),
                        new RateLimit(100, Duration.ofSeconds(1), 200)),
                LimitCheck.quota(
                        "key-quota",
                        counters.keyQuota("acct-1", id),
                        new Quota(100000, Quota.Period.DAY)));
        assertThat(existing(counters.keyRate("acct-1", id), counters.keyQuota("acct-1", id)))
                .isEqualTo(2);

        adminApi().remove(id).expectStatus().isNoContent();

        assertThat(existing(counters.keyRate("acct-1", id), counters.keyQuota("acct-1", id)))
                .isZero();
    }

    private static long existing(String... keys) {
        String[] args = new String[keys.length + 1];
        args[0] = "EXISTS";
        System.arraycopy(keys, 0, args, 1, keys.length);
        return ((Number) redis.command(args)).longValue();
    }

    /** {@code count} requests counted as a gateway counts them (Redis's own clock). */
    private void gatewayRequests(int count, LimitCheck... checks) {
        for (int i = 0; i < count; i++) {
            assertThat(
                            counters.check(List.of(checks), 1, false, 0)
                                    .block(Duration.ofSeconds(10))
                                    .allowed())
                    .isTrue();
        }
    }

    private static void refused(WebTestClient.ResponseSpec response, String field, String body) {
        response.expectStatus()
                .isBadRequest()
                .expectHeader()
                .contentType("application/problem+json")
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo(VALIDATION)
                .jsonPath("$.errors[0].field")
                .value(actual -> assertThat(actual).as(body).isEqualTo(field));
    }
}
