package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.admin.web.KeyView;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.usage.KeyUsage;
import dev.keygate.core.usage.RedisUsageStore;
import dev.keygate.core.usage.SecretFingerprint;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * What the admin API shows of keys' usage. Gateway flushes are simulated by writing usage through
 * the store exactly as a gateway's flush does: the current and previous secrets' last use, the used
 * and unused scopes, the daily counts over a range and its refusals, {@code unusedFor} finding
 * exactly the idle keys, and {@code rotate/complete} ending a grace.
 */
class KeyUsageTests extends AdminApiTestSupport {

    private static final String VALIDATION = "https://keygate.dev/problems/validation";

    @Autowired RedisUsageStore usage;

    @Autowired RedisKeyStore store;

    private KeyRecord record(String id) {
        return store.findById(id).block();
    }

    /** What one gateway's flush writes for one key. */
    private void flush(
            KeyRecord record,
            LocalDate day,
            long requests,
            Instant at,
            boolean previousSecret,
            Set<String> scopes) {
        long millis = at.toEpochMilli();
        String fingerprint =
                SecretFingerprint.of(
                        previousSecret ? record.previousSecretHash() : record.secretHash());
        usage.flush(
                        record.owner(),
                        day,
                        List.of(
                                new KeyUsage(
                                        record.id(),
                                        requests,
                                        millis,
                                        Map.of(fingerprint, millis),
                                        scopes.stream()
                                                .collect(
                                                        Collectors.toMap(
                                                                scope -> scope, scope -> millis)))))
                .block();
    }

    private static LocalDate day(Instant instant) {
        return LocalDate.ofInstant(instant, ZoneOffset.UTC);
    }

    @Test
    void readingAKeyShowsWhenItsSecretWasLastUsedAndTheScopesNoCallNeeded() {
        KeyView created =
                createKey(Map.of("owner", "acct-1", "scopes", List.of("orders:read", "admin")));
        KeyView unused = adminApi().get(created.id());
        assertThat(unused.lastUsedAt()).isNull();
        assertThat(unused.unusedScopes()).containsExactly("admin", "orders:read");

        Instant used = T0.plusSeconds(3600);
        flush(record(created.id()), day(used), 3, used, false, Set.of("orders:read"));
        clock.advance(Duration.ofHours(2));

        KeyView read = adminApi().get(created.id());
        assertThat(read.lastUsedAt()).isEqualTo(used);
        assertThat(read.previousKeyLastUsedAt()).isNull();
        assertThat(read.usedScopes())
                .containsExactly(new KeyView.ScopeUseView("orders:read", used));
        assertThat(read.unusedScopes()).containsExactly("admin");
    }

    @Test
    void useOfThePreviousSecretDuringGraceIsShownApartFromTheCurrentSecrets() {
        KeyView created = createKey(Map.of("owner", "acct-1"));
        adminApi().rotate(created.id(), Map.of("gracePeriod", "PT1H"), null).expectStatus().isOk();
        Instant used = T0.plusSeconds(60);
        flush(record(created.id()), day(used), 1, used, true, Set.of());
        clock.advance(Duration.ofMinutes(2));

        KeyView read = adminApi().get(created.id());
        assertThat(read.previousKeyLastUsedAt()).isEqualTo(used);
        assertThat(read.lastUsedAt()).as("the current secret was not used").isNull();
    }

    @Test
    void completingARotationEndsItsGraceAtOnceAndIsAudited() {
        KeyView created = createKey(Map.of("owner", "acct-1"));
        adminApi().rotate(created.id(), Map.of("gracePeriod", "PT1H"), null).expectStatus().isOk();
        clock.advance(Duration.ofMinutes(5));

        api(READ_ONLY_TOKEN)
                .client()
                .post()
                .uri("/v1/keys/{id}/rotate/complete", created.id())
                .exchange()
                .expectStatus()
                .isForbidden();
        KeyView completed =
                AdminApi.key(
                        adminApi()
                                .client()
                                .post()
                                .uri("/v1/keys/{id}/rotate/complete", created.id())
                                .exchange()
                                .expectStatus()
                                .isOk());
        assertThat(completed.previousKeyExpiresAt()).isNull();
        KeyRecord record = record(created.id());
        assertThat(record.previousSecretExpiresAt()).isEqualTo(clock.instant());
        assertThat(record.match(record.previousSecretHash(), clock.instant()))
                .isEqualTo(KeyRecord.SecretMatch.NONE);
        assertThat(completed.version()).isEqualTo(3);

        adminApi()
                .client()
                .post()
                .uri("/v1/keys/{id}/rotate/complete", created.id())
                .exchange()
                .expectStatus()
                .isEqualTo(409)
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("https://keygate.dev/problems/no-grace-period");
        assertThat(adminApi().auditOf(created.id()))
                .extracting(AuditEvent::action)
                .contains("rotation_completed");
    }

    @Test
    void completingTheRotationOfAKeyNeverRotatedIsAConflict() {
        KeyView created = createKey(Map.of("owner", "acct-1"));
        adminApi()
                .client()
                .post()
                .uri("/v1/keys/{id}/rotate/complete", created.id())
                .exchange()
                .expectStatus()
                .isEqualTo(409);
    }

    @Test
    void dailyCountsAreTheSumOfEveryFlushPerUtcDayInDateOrder() {
        KeyView created = createKey(Map.of("owner", "acct-1"));
        KeyRecord record = record(created.id());
        clock.advance(Duration.ofDays(3));
        LocalDate today = day(clock.instant());
        // two gateways flushing the same day, and an earlier day
        flush(record, today, 3, clock.instant(), false, Set.of());
        flush(record, today, 4, clock.instant(), false, Set.of());
        flush(
                record,
                today.minusDays(2),
                2,
                clock.instant().minus(Duration.ofDays(2)),
                false,
                Set.of());

        adminApi()
                .client()
                .get()
                .uri("/v1/keys/{id}/usage", created.id())
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.days.length()")
                .isEqualTo(2)
                .jsonPath("$.days[0].date")
                .isEqualTo(today.minusDays(2).toString())
                .jsonPath("$.days[0].requests")
                .isEqualTo(2)
                .jsonPath("$.days[1].date")
                .isEqualTo(today.toString())
                .jsonPath("$.days[1].requests")
                .isEqualTo(7);
        api(READ_ONLY_TOKEN)
                .client()
                .get()
                .uri("/v1/keys/{id}/usage?from={d}&to={d}", created.id(), today, today)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.days.length()")
                .isEqualTo(1);
    }

    @Test
    void aUsageRangeBackwardsOrBeyondTheRetentionIsAValidationProblem() {
        KeyView created = createKey(Map.of("owner", "acct-1"));
        LocalDate today = day(clock.instant());
        for (String query :
                List.of(
                        "from=" + today + "&to=" + today.minusDays(1),
                        "from=" + today.minusDays(90),
                        "to=" + today.plusDays(1),
                        "from=yesterday")) {
            adminApi()
                    .client()
                    .get()
                    .uri("/v1/keys/" + created.id() + "/usage?" + query)
                    .exchange()
                    .expectStatus()
                    .isBadRequest()
                    .expectBody()
                    .jsonPath("$.type")
                    .isEqualTo(VALIDATION);
        }
        adminApi()
                .client()
                .get()
                .uri("/v1/keys/" + created.id() + "/usage?from=" + today.minusDays(89))
                .exchange()
                .expectStatus()
                .isOk();
    }

    @Test
    void unusedForListsExactlyTheKeysIdleThatLong() {
        KeyView usedRecently = createKey(Map.of("owner", "acct-1", "name", "used"));
        KeyView neverUsed = createKey(Map.of("owner", "acct-1", "name", "never"));
        clock.advance(Duration.ofDays(50));
        KeyView newer = createKey(Map.of("owner", "acct-1", "name", "newer"));
        createKey(Map.of("owner", "acct-2", "name", "other owner"));
        clock.advance(Duration.ofDays(30));
        flush(record(usedRecently.id()), day(clock.instant()), 1, clock.instant(), false, Set.of());
        clock.advance(Duration.ofDays(20));
        // now: used 20 days ago, never used (created 100 days ago), newer (created 50 days ago)

        assertThat(adminApi().list("owner=acct-1&unusedFor=P30D").keys())
                .extracting(KeyView::id)
                .containsExactlyInAnyOrder(neverUsed.id(), newer.id());
        assertThat(adminApi().list("owner=acct-1&unusedFor=P60D").keys())
                .extracting(KeyView::id)
                .containsExactly(neverUsed.id());
        assertThat(adminApi().list("owner=acct-1&unusedFor=PT480H").keys())
                .extracting(KeyView::id)
                .containsExactlyInAnyOrder(usedRecently.id(), neverUsed.id(), newer.id());

        for (String query : List.of("owner=acct-1&unusedFor=soon", "owner=acct-1&unusedFor=P0D")) {
            adminApi()
                    .client()
                    .get()
                    .uri("/v1/keys?" + query)
                    .exchange()
                    .expectStatus()
                    .isBadRequest()
                    .expectBody()
                    .jsonPath("$.type")
                    .isEqualTo(VALIDATION);
        }
        adminApi()
                .client()
                .get()
                .uri("/v1/keys?unusedFor=P30D")
                .exchange()
                .expectStatus()
                .isBadRequest();
    }

    @Test
    void removingAKeyDeletesItsLastUseRecord() {
        KeyView created = createKey(Map.of("owner", "acct-1"));
        flush(record(created.id()), day(clock.instant()), 1, clock.instant(), false, Set.of());
        assertThat(redis.command("EXISTS", "kg:usage:{acct-1}:k:" + created.id() + ":seen"))
                .isEqualTo(1L);

        adminApi().remove(created.id()).expectStatus().isNoContent();

        assertThat(redis.command("EXISTS", "kg:usage:{acct-1}:k:" + created.id() + ":seen"))
                .isEqualTo(0L);
    }
}
