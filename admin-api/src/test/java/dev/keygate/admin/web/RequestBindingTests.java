package dev.keygate.admin.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keygate.admin.config.AdminProperties;
import dev.keygate.admin.config.TestAdminProperties;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.core.limit.Quota;
import dev.keygate.core.limit.RateLimit;
import dev.keygate.core.limit.UsageLimits;
import dev.keygate.core.store.KeyUpdate;
import dev.keygate.test.time.MutableClock;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorFactory;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The request records' binding and constraints without a server: what each rule of {@link
 * InputLimits} accepts and refuses, judged with an injected clock. The HTTP-level contract (problem
 * documents, field names as clients see them) is {@code RequestValidationTests}.
 */
class RequestBindingTests {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(NOW);
    private final JsonMapper json = JsonMapper.builder().build();
    private final ValidatorFactory factory = factory();
    private final Validator validator = factory.getValidator();

    @AfterEach
    void close() {
        factory.close();
    }

    /** Validators as Spring creates them: with the clock and the properties injected. */
    private ValidatorFactory factory() {
        var configuration = Validation.byDefaultProvider().configure();
        ConstraintValidatorFactory defaults = configuration.getDefaultConstraintValidatorFactory();
        AdminProperties properties = TestAdminProperties.with(null, List.of());
        return configuration
                .constraintValidatorFactory(
                        new ConstraintValidatorFactory() {
                            @Override
                            @SuppressWarnings("unchecked")
                            public <T extends ConstraintValidator<?, ?>> T getInstance(
                                    Class<T> key) {
                                if (key == WithinLifetime.Validator.class) {
                                    return (T) new WithinLifetime.Validator(clock);
                                }
                                if (key == WithinMaxGracePeriod.Validator.class) {
                                    return (T) new WithinMaxGracePeriod.Validator(properties);
                                }
                                return defaults.getInstance(key);
                            }

                            @Override
                            public void releaseInstance(ConstraintValidator<?, ?> instance) {}
                        })
                .buildValidatorFactory();
    }

    private <T> T bind(String body, Class<T> type) {
        return json.readValue(body, type);
    }

    /** The refused properties of a body, by their constraint paths. */
    private Set<String> refused(Object request) {
        Set<String> paths = new TreeSet<>();
        for (ConstraintViolation<Object> violation : validator.validate(request)) {
            paths.add(violation.getPropertyPath().toString());
        }
        return paths;
    }

    private static CreateKeyRequest expiring(Instant expiresAt) {
        return new CreateKeyRequest("o", null, null, null, expiresAt, null, null, null, null);
    }

    @Test
    void scopeGrammarAcceptsResourceActionAndWildcardAndRefusesTheRest() {
        for (String good :
                List.of("orders", "orders:read", "orders:*", "billing:invoices:write", "a_b-c:x")) {
            CreateKeyRequest request =
                    bind("{\"owner\":\"o\",\"scopes\":[\"" + good + "\"]}", CreateKeyRequest.class);
            assertThat(refused(request)).as(good).isEmpty();
            assertThat(request.toNewKey(NOW).scopes()).containsExactly(good);
        }
        for (String bad :
                List.of("Orders", "*", "orders:", ":read", "orders read", "a:b:c:d:e:f", "é")) {
            assertThat(
                            refused(
                                    bind(
                                            "{\"owner\":\"o\",\"scopes\":[\"" + bad + "\"]}",
                                            CreateKeyRequest.class)))
                    .as(bad)
                    .containsExactly("scopes[0].<list element>");
        }
    }

    @Test
    void ttlBecomesAnExpiryFromTheGivenInstant() {
        CreateKeyRequest request =
                bind("{\"owner\":\"o\",\"ttl\":\"PT1H\"}", CreateKeyRequest.class);
        assertThat(refused(request)).isEmpty();
        assertThat(request.toNewKey(NOW).expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(1)));
    }

    @Test
    void expiryMustBeInTheFutureOfTheInjectedClockAndWithinTenYears() {
        assertThat(refused(expiring(NOW))).containsExactly("expiresAt");
        assertThat(refused(expiring(NOW.plus(Duration.ofDays(3651))))).containsExactly("expiresAt");
        Instant tomorrow = NOW.plus(Duration.ofDays(1));
        assertThat(refused(expiring(tomorrow))).isEmpty();
        clock.set(tomorrow);
        assertThat(refused(expiring(tomorrow))).containsExactly("expiresAt");
    }

    @Test
    void expiryAndTtlTogetherAreRefusedOnTtl() {
        assertThat(
                        refused(
                                new CreateKeyRequest(
                                        "o",
                                        null,
                                        null,
                                        null,
                                        NOW.plusSeconds(60),
                                        Duration.ofHours(1),
                                        null,
                                        null,
                                        null)))
                .containsExactly("ttl");
    }

    @Test
    void gracePeriodIsZeroWithoutBodyAndBoundedByConfiguration() {
        assertThat(RotateKeyRequest.gracePeriodOf(null)).isZero();
        assertThat(RotateKeyRequest.gracePeriodOf(bind("{}", RotateKeyRequest.class))).isZero();
        assertThat(refused(new RotateKeyRequest(Duration.ofDays(7)))).isEmpty();
        assertThat(refused(new RotateKeyRequest(Duration.ofDays(7).plusSeconds(1))))
                .containsExactly("gracePeriod");
        assertThat(refused(new RotateKeyRequest(Duration.ofSeconds(-1))))
                .containsExactly("gracePeriod");
    }

    @Test
    void patchDistinguishesAbsentFromNullExpiry() {
        KeyUpdate clear = bind("{\"expiresAt\":null}", UpdateKeyRequest.class).toKeyUpdate();
        assertThat(clear.expiresAt()).isEqualTo(Optional.empty());
        UpdateKeyRequest rename = bind("{\"name\":\" n \"}", UpdateKeyRequest.class);
        assertThat(rename.getPresent()).containsExactly("name");
        assertThat(rename.toKeyUpdate().expiresAt()).isNull();
        assertThat(rename.toKeyUpdate().name()).isEqualTo("n");
    }

    @Test
    void patchRefusesAnEmptyBodyAndNullsOtherThanTheExpiry() {
        assertThat(validator.validate(bind("{}", UpdateKeyRequest.class)))
                .singleElement()
                .satisfies(v -> assertThat(v.getPropertyPath().toString()).isEmpty());
        assertThat(refused(bind("{\"enabled\":null,\"name\":null}", UpdateKeyRequest.class)))
                .containsExactly("enabled", "name");
        assertThat(refused(bind("{\"expiresAt\":null}", UpdateKeyRequest.class))).isEmpty();
    }

    @Test
    void ratePerAcceptsWholeSecondsFromOneSecondToOneDayAndRefusesTheRest() {
        for (String good : List.of("PT1S", "PT59S", "PT1M", "PT1H", "P1D", "PT86400S")) {
            assertThat(refused(rateLimit("{\"requests\":1,\"per\":\"" + good + "\"}")))
                    .as(good)
                    .isEmpty();
        }
        for (String bad : List.of("PT0S", "PT0.5S", "PT1.5S", "-PT1S", "P2D", "PT86401S")) {
            assertThat(refused(rateLimit("{\"requests\":1,\"per\":\"" + bad + "\"}")))
                    .as(bad)
                    .containsExactly("rateLimit.per");
        }
    }

    @Test
    void aRateLimitIsAtMostAMillionRequestsASecond() {
        assertThat(refused(rateLimit("{\"requests\":1000000,\"per\":\"PT1S\"}"))).isEmpty();
        assertThat(refused(rateLimit("{\"requests\":86400000000,\"per\":\"P1D\"}")))
                .containsExactly("rateLimit.requests");
        assertThat(refused(rateLimit("{\"requests\":1000001,\"per\":\"PT1S\"}")))
                .containsExactly("rateLimit.rate");
        assertThat(refused(rateLimit("{\"requests\":2000001,\"per\":\"PT2S\"}")))
                .containsExactly("rateLimit.rate");
    }

    @Test
    void limitRequestsAreOneToABillionAndPerAndRequestsAreRequired() {
        assertThat(refused(rateLimit("{\"requests\":1000000000,\"per\":\"PT1000S\",\"burst\":1}")))
                .isEmpty();
        assertThat(
                        refused(
                                rateLimit(
                                        "{\"requests\":1000000001,\"per\":\"PT1S\","
                                                + "\"burst\":0}")))
                .containsExactly("rateLimit.burst", "rateLimit.requests");
        assertThat(refused(rateLimit("{}"))).containsExactly("rateLimit.per", "rateLimit.requests");
        assertThat(refused(bind("{\"owner\":\"o\",\"quota\":{}}", CreateKeyRequest.class)))
                .containsExactly("quota.period", "quota.requests");
    }

    @Test
    void quotaPeriodIsDayOrMonth() {
        for (String good : List.of("day", "month")) {
            CreateKeyRequest request =
                    bind(
                            "{\"owner\":\"o\",\"quota\":{\"requests\":5,\"period\":\""
                                    + good
                                    + "\"}}",
                            CreateKeyRequest.class);
            assertThat(refused(request)).as(good).isEmpty();
            assertThat(request.toNewKey(NOW).limits().quota().period().value()).isEqualTo(good);
        }
        for (String bad : List.of("week", "Day", "", "daily")) {
            assertThat(
                            refused(
                                    bind(
                                            "{\"owner\":\"o\",\"quota\":{\"requests\":5,"
                                                    + "\"period\":\""
                                                    + bad
                                                    + "\"}}",
                                            CreateKeyRequest.class)))
                    .as(bad)
                    .containsExactly("quota.period");
        }
    }

    @Test
    void aRateLimitWithoutBurstHasABurstOfItsRequestsAndNoLimitsIsNone() {
        CreateKeyRequest request = rateLimit("{\"requests\":7,\"per\":\"PT1M\"}");
        assertThat(request.toNewKey(NOW).limits().rateLimit())
                .isEqualTo(new RateLimit(7, Duration.ofMinutes(1), 7));
        assertThat(request.toNewKey(NOW).limits().quota()).isNull();
        assertThat(bind("{\"owner\":\"o\"}", CreateKeyRequest.class).toNewKey(NOW).limits())
                .isSameAs(UsageLimits.NONE);
    }

    @Test
    void patchTellsAbsentLimitsFromNullOnesAndAllowsNullForThem() {
        UpdateKeyRequest clear =
                bind("{\"rateLimit\":null,\"quota\":null}", UpdateKeyRequest.class);
        assertThat(refused(clear)).isEmpty();
        assertThat(clear.toKeyUpdate().rateLimit()).isEqualTo(Optional.empty());
        assertThat(clear.toKeyUpdate().quota()).isEqualTo(Optional.empty());

        UpdateKeyRequest set =
                bind("{\"quota\":{\"requests\":9,\"period\":\"month\"}}", UpdateKeyRequest.class);
        assertThat(set.toKeyUpdate().quota()).contains(new Quota(9, Quota.Period.MONTH));
        assertThat(set.toKeyUpdate().rateLimit()).as("absent: left as is").isNull();
        assertThat(
                        refused(
                                bind(
                                        "{\"quota\":{\"requests\":0,\"period\":\"day\"}}",
                                        UpdateKeyRequest.class)))
                .containsExactly("quota.requests");
    }

    @Test
    void ownerLimitsOfAnEmptyBodyAreNone() {
        assertThat(bind("{}", OwnerLimitsRequest.class).toUsageLimits()).isSameAs(UsageLimits.NONE);
        assertThat(
                        bind("{\"rateLimit\":null,\"quota\":null}", OwnerLimitsRequest.class)
                                .toUsageLimits())
                .isSameAs(UsageLimits.NONE);
    }

    private CreateKeyRequest rateLimit(String rateLimit) {
        return bind("{\"owner\":\"o\",\"rateLimit\":" + rateLimit + "}", CreateKeyRequest.class);
    }

    @Test
    void malformedIdsAreNotFoundBeforeTheServiceIsAsked() {
        assertThatThrownBy(() -> KeyController.requireId("../../etc"))
                .isInstanceOf(ProblemException.class)
                .hasMessageContaining("no key");
    }
}
