package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.core.limit.LimitCheck;
import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import dev.keygate.core.limit.RedisLimitCounters;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;

/**
 * An owner's shared limits (issue 14): {@code PUT}/{@code GET}/{@code DELETE
 * /v1/owners/{owner}/limits}, their usage, their audit events, who may call them.
 */
class OwnerLimitsTests extends AdminApiTestSupport {

    private static final String VALIDATION = "https://keygate.dev/problems/validation";

    private static final Map<String, Object> LIMITS =
            Map.of(
                    "rateLimit",
                    Map.of("requests", 50, "per", "PT1H", "burst", 80),
                    "quota",
                    Map.of("requests", 1000, "period", "month"));

    @Autowired RedisLimitCounters counters;

    @Test
    void anOwnerWithoutLimitsIs200WithNulls() {
        String json =
                adminApi()
                        .ownerLimits("acct-1")
                        .expectStatus()
                        .isOk()
                        .expectBody(String.class)
                        .returnResult()
                        .getResponseBody();
        assertThat(json).isEqualTo("{\"owner\":\"acct-1\",\"rateLimit\":null,\"quota\":null}");
        assertThat(redisKeyCount()).as("a read writes nothing").isZero();
    }

    @Test
    void putThenGetThenDeleteRoundTrips() {
        adminApi()
                .setOwnerLimits("acct-1", LIMITS)
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.owner")
                .isEqualTo("acct-1")
                .jsonPath("$.rateLimit.requests")
                .isEqualTo(50)
                .jsonPath("$.rateLimit.per")
                .isEqualTo("PT1H")
                .jsonPath("$.rateLimit.burst")
                .isEqualTo(80)
                .jsonPath("$.quota.requests")
                .isEqualTo(1000)
                .jsonPath("$.quota.period")
                .isEqualTo("month")
                .jsonPath("$.usage")
                .doesNotExist();

        adminApi()
                .ownerLimits("acct-1")
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rateLimit.burst")
                .isEqualTo(80)
                .jsonPath("$.quota.period")
                .isEqualTo("month")
                .jsonPath("$.usage.quota.used")
                .isEqualTo(0)
                .jsonPath("$.usage.quota.remaining")
                .isEqualTo(1000)
                .jsonPath("$.usage.rateLimit.remaining")
                .isEqualTo(80);

        adminApi().removeOwnerLimits("acct-1").expectStatus().isNoContent();
        adminApi()
                .ownerLimits("acct-1")
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rateLimit")
                .isEmpty()
                .jsonPath("$.quota")
                .isEmpty()
                .jsonPath("$.usage")
                .doesNotExist();
        assertThat(redisKeyCount()).isEqualTo(existing("kg:audit"));
    }

    @Test
    void putReplacesBothLimitsAndALimitLeftOutIsNotSet() {
        adminApi().setOwnerLimits("acct-1", LIMITS).expectStatus().isOk();
        adminApi()
                .setOwnerLimits("acct-1", Map.of("quota", Map.of("requests", 5, "period", "day")))
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rateLimit")
                .isEmpty()
                .jsonPath("$.quota.requests")
                .isEqualTo(5);
        adminApi()
                .ownerLimits("acct-1")
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rateLimit")
                .isEmpty()
                .jsonPath("$.usage.rateLimit")
                .doesNotExist()
                .jsonPath("$.usage.quota.remaining")
                .isEqualTo(5);
    }

    @Test
    void usageShowsWhatTheOwnersKeysCountedTogether() {
        adminApi().setOwnerLimits("acct-1", LIMITS).expectStatus().isOk();
        LimitCheck rate =
                LimitCheck.rate(
                        "owner",
                        counters.ownerRate("acct-1"),
                        new RateLimit(50, Duration.ofHours(1), 80));
        LimitCheck quota =
                LimitCheck.quota(
                        "owner-quota",
                        counters.ownerQuota("acct-1"),
                        new Quota(1000, Quota.Period.MONTH));
        for (int i = 0; i < 4; i++) {
            assertThat(
                            counters.check(List.of(rate, quota), 1, false, 0)
                                    .block(Duration.ofSeconds(10))
                                    .allowed())
                    .isTrue();
        }
        adminApi()
                .ownerLimits("acct-1")
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.usage.quota.used")
                .isEqualTo(4)
                .jsonPath("$.usage.quota.remaining")
                .isEqualTo(996)
                .jsonPath("$.usage.quota.resetsAt")
                .value(resetsAt -> assertThat((String) resetsAt).endsWith("-01T00:00:00Z"))
                // 50 an hour refill one every 72 s: the four are not back yet
                .jsonPath("$.usage.rateLimit.remaining")
                .isEqualTo(76);
    }

    @Test
    void deleteRemovesTheOwnersCountersAndAGetShowsNoUsageAfterward() {
        adminApi().setOwnerLimits("acct-1", LIMITS).expectStatus().isOk();
        LimitCheck quota =
                LimitCheck.quota(
                        "owner-quota",
                        counters.ownerQuota("acct-1"),
                        new Quota(1000, Quota.Period.MONTH));
        counters.check(List.of(quota), 3, false, 0).block(Duration.ofSeconds(10));
        assertThat(existing(counters.ownerQuota("acct-1"))).isEqualTo(1);

        adminApi().removeOwnerLimits("acct-1").expectStatus().isNoContent();

        assertThat(existing(counters.ownerQuota("acct-1"), "kg:limits:{acct-1}")).isZero();
        // limits set again start from nothing
        adminApi().setOwnerLimits("acct-1", LIMITS).expectStatus().isOk();
        adminApi()
                .ownerLimits("acct-1")
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.usage.quota.used")
                .isEqualTo(0);
    }

    @Test
    void putOfAnEmptyObjectOrOfBothNullRemovesTheLimitsLikeDelete() {
        for (String body : List.of("{}", "{\"rateLimit\":null,\"quota\":null}")) {
            adminApi().setOwnerLimits("acct-1", LIMITS).expectStatus().isOk();
            counters.check(
                            List.of(
                                    LimitCheck.quota(
                                            "owner-quota",
                                            counters.ownerQuota("acct-1"),
                                            new Quota(1000, Quota.Period.MONTH))),
                            1,
                            false,
                            0)
                    .block(Duration.ofSeconds(10));

            adminApi()
                    .setOwnerLimits("acct-1", body)
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.rateLimit")
                    .isEmpty()
                    .jsonPath("$.quota")
                    .isEmpty();

            assertThat(existing(counters.ownerQuota("acct-1"), "kg:limits:{acct-1}"))
                    .as(body)
                    .isZero();
            assertThat(adminApi().auditOfOwner("acct-1").get(0).action())
                    .isEqualTo("limits_removed");
        }
    }

    @Test
    void settingOrRemovingOwnerLimitsAnnouncesEveryKeyOfTheOwner() {
        createKey(Map.of("owner", "acct-1"));
        createKey(Map.of("owner", "acct-1"));
        createKey(Map.of("owner", "acct-2"));
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("3");

        adminApi().setOwnerLimits("acct-1", LIMITS).expectStatus().isOk();
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("5");

        adminApi().removeOwnerLimits("acct-1").expectStatus().isNoContent();
        assertThat(redis.command("GET", "kg:epoch")).isEqualTo("7");
    }

    @Test
    void readOnlyTokenMayReadOwnerLimitsButNotChangeThem() {
        adminApi().setOwnerLimits("acct-1", LIMITS).expectStatus().isOk();
        AdminApi readOnly = api(READ_ONLY_TOKEN);

        readOnly.ownerLimits("acct-1")
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.quota.requests")
                .isEqualTo(1000);
        for (var refused :
                List.of(
                        readOnly.setOwnerLimits("acct-1", Map.of()),
                        readOnly.removeOwnerLimits("acct-1"))) {
            refused.expectStatus()
                    .isForbidden()
                    .expectHeader()
                    .contentType("application/problem+json")
                    .expectBody()
                    .jsonPath("$.type")
                    .isEqualTo("https://keygate.dev/problems/forbidden");
        }
        adminApi()
                .ownerLimits("acct-1")
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.quota.requests")
                .isEqualTo(1000);
    }

    @Test
    void noTokenIs401() {
        client.get()
                .uri("/v1/owners/acct-1/limits")
                .exchange()
                .expectStatus()
                .isUnauthorized()
                .expectHeader()
                .contentType("application/problem+json");
    }

    @Test
    void theOwnerInThePathIsCheckedLikeOwnersElsewhere() {
        for (String owner : List.of("has space", "{acct}", "-acct", "a".repeat(129))) {
            for (var refused :
                    List.of(
                            adminApi().ownerLimits(owner),
                            adminApi().setOwnerLimits(owner, LIMITS),
                            adminApi().removeOwnerLimits(owner))) {
                refused.expectStatus()
                        .isBadRequest()
                        .expectHeader()
                        .contentType("application/problem+json")
                        .expectBody()
                        .jsonPath("$.type")
                        .isEqualTo(VALIDATION)
                        .jsonPath("$.errors[0].field")
                        .isEqualTo("owner");
            }
        }
        assertThat(redisKeyCount()).as("nothing written").isZero();
    }

    @Test
    void invalidOwnerLimitsAre400NamingTheFieldAndChangeNothing() {
        adminApi().setOwnerLimits("acct-1", LIMITS).expectStatus().isOk();
        Map<String, String> invalid =
                Map.of(
                        "{\"rateLimit\":{\"requests\":1,\"per\":\"PT0.5S\"}}", "rateLimit.per",
                        "{\"rateLimit\":{\"requests\":1,\"per\":\"P2D\"}}", "rateLimit.per",
                        "{\"rateLimit\":{\"requests\":0,\"per\":\"PT1S\"}}", "rateLimit.requests",
                        "{\"quota\":{\"requests\":10,\"period\":\"week\"}}", "quota.period",
                        "{\"quota\":{\"requests\":10,\"period\":\"day\",\"x\":1}}", "quota.x",
                        "{\"limits\":{}}", "limits");
        invalid.forEach(
                (body, field) ->
                        adminApi()
                                .setOwnerLimits("acct-1", body)
                                .expectStatus()
                                .isBadRequest()
                                .expectBody()
                                .jsonPath("$.type")
                                .isEqualTo(VALIDATION)
                                .jsonPath("$.errors[0].field")
                                .value(actual -> assertThat(actual).as(body).isEqualTo(field)));
        admin().put()
                .uri("/v1/owners/acct-1/limits")
                .contentType(MediaType.APPLICATION_JSON)
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[0].field")
                .isEqualTo("body");
        adminApi()
                .ownerLimits("acct-1")
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.rateLimit.requests")
                .isEqualTo(50)
                .jsonPath("$.quota.requests")
                .isEqualTo(1000);
        assertThat(adminApi().auditOfOwner("acct-1")).hasSize(1);
    }

    @Test
    void ownerLimitChangesAreAuditedWithoutAKeyIdAndFoundByTheOwnerFilter() {
        String key = createKey(Map.of("owner", "acct-1")).id();
        createKey(Map.of("owner", "acct-2"));
        as(SECOND_ADMIN_TOKEN)
                .put()
                .uri("/v1/owners/acct-1/limits")
                .header("X-Request-Id", "req-limits")
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(LIMITS)
                .exchange()
                .expectStatus()
                .isOk();
        adminApi().removeOwnerLimits("acct-1").expectStatus().isNoContent();

        List<AuditEvent> events = adminApi().auditOfOwner("acct-1");
        assertThat(events)
                .extracting(AuditEvent::action)
                .containsExactly("limits_removed", "limits_set", "created");
        AuditEvent removed = events.get(0);
        assertThat(removed.keyId()).isNull();
        assertThat(removed.owner()).isEqualTo("acct-1");
        assertThat(removed.actor()).isEqualTo("admin");
        assertThat(removed.changes()).isEqualTo(Map.of("rateLimit", "", "quota", ""));
        AuditEvent set = events.get(1);
        assertThat(set.keyId()).isNull();
        assertThat(set.actor()).isEqualTo("ci");
        assertThat(set.requestId()).isEqualTo("req-limits");
        assertThat(set.time()).isEqualTo(T0);
        assertThat(set.changes())
                .isEqualTo(
                        Map.of(
                                "rateLimit", "requests=50 per=PT1H burst=80",
                                "quota", "requests=1000 period=month"));
        assertThat(events.get(2).keyId()).isEqualTo(key);

        // the event as stored: no keyId field at all, and the unfiltered trail lists it too
        admin().get()
                .uri("/v1/audit?limit=1")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.events[0].action")
                .isEqualTo("limits_removed")
                .jsonPath("$.events[0].keyId")
                .doesNotExist();
        assertThat(adminApi().auditOf(key)).hasSize(1);
    }

    @Test
    void theAuditOwnerFilterIsChecked() {
        admin().get()
                .uri("/v1/audit?owner={owner}", "has space")
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody()
                .jsonPath("$.errors[0].field")
                .isEqualTo("owner");
    }

    private static long existing(String... keys) {
        String[] args = new String[keys.length + 1];
        args[0] = "EXISTS";
        System.arraycopy(keys, 0, args, 1, keys.length);
        return ((Number) redis.command(args)).longValue();
    }
}
