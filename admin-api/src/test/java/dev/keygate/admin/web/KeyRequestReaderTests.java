package dev.keygate.admin.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keygate.admin.problem.Problem.FieldError;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.core.store.NewKey;
import dev.keygate.test.time.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeyRequestReaderTests {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private final KeyRequestReader reader =
            new KeyRequestReader(new MutableClock(NOW), Duration.ofDays(7));

    private static List<String> fields(Runnable action) {
        try {
            action.run();
        } catch (ProblemException ex) {
            return ex.errors().stream().map(FieldError::field).toList();
        }
        throw new AssertionError("expected a refusal");
    }

    @Test
    void scopeGrammarAcceptsResourceActionAndWildcardAndRefusesTheRest() {
        for (String good :
                List.of("orders", "orders:read", "orders:*", "billing:invoices:write", "a_b-c:x")) {
            assertThat(reader.readCreate(Map.of("owner", "o", "scopes", List.of(good))).scopes())
                    .containsExactly(good);
        }
        for (String bad :
                List.of("Orders", "*", "orders:", ":read", "orders read", "a:b:c:d:e:f", "é")) {
            assertThat(
                            fields(
                                    () ->
                                            reader.readCreate(
                                                    Map.of("owner", "o", "scopes", List.of(bad)))))
                    .as(bad)
                    .containsExactly("scopes[0]");
        }
    }

    @Test
    void ttlBecomesAnExpiryFromTheInjectedClock() {
        NewKey key = reader.readCreate(Map.of("owner", "o", "ttl", "PT1H"));
        assertThat(key.expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(1)));
    }

    @Test
    void expiryMustBeInTheFutureAndWithinTenYears() {
        assertThat(
                        fields(
                                () ->
                                        reader.readCreate(
                                                Map.of("owner", "o", "expiresAt", NOW.toString()))))
                .containsExactly("expiresAt");
        assertThat(
                        fields(
                                () ->
                                        reader.readCreate(
                                                Map.of(
                                                        "owner",
                                                        "o",
                                                        "expiresAt",
                                                        NOW.plus(Duration.ofDays(3651))
                                                                .toString()))))
                .containsExactly("expiresAt");
    }

    @Test
    void gracePeriodIsZeroWithoutBodyAndBoundedByConfiguration() {
        assertThat(reader.readRotate(null)).isZero();
        assertThat(reader.readRotate(Map.of())).isZero();
        assertThat(reader.readRotate(Map.of("gracePeriod", "P7D"))).isEqualTo(Duration.ofDays(7));
        assertThat(fields(() -> reader.readRotate(Map.of("gracePeriod", "P7DT1S"))))
                .containsExactly("gracePeriod");
        assertThat(fields(() -> reader.readRotate(Map.of("gracePeriod", 60))))
                .containsExactly("gracePeriod");
    }

    @Test
    void patchDistinguishesAbsentFromNullExpiry() {
        Map<String, Object> clear = new HashMap<>();
        clear.put("expiresAt", null);
        assertThat(reader.readUpdate(clear).expiresAt()).isEqualTo(Optional.empty());
        KeyUpdate rename = reader.readUpdate(Map.of("name", "n"));
        assertThat(rename.expiresAt()).isNull();
        assertThat(rename.name()).isEqualTo("n");
    }

    @Test
    void malformedIdsAreNotFoundWithoutTouchingTheStore() {
        assertThatThrownBy(() -> KeyRequestReader.requireId("../../etc"))
                .isInstanceOf(ProblemException.class)
                .hasMessageContaining("no key");
    }
}
