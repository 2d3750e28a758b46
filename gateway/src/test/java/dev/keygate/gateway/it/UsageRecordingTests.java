package dev.keygate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.core.usage.DailyCount;
import dev.keygate.core.usage.KeySeen;
import dev.keygate.core.usage.RedisUsageStore;
import dev.keygate.core.usage.SecretFingerprint;
import dev.keygate.core.usage.UsageProperties;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.Probe;
import dev.keygate.gateway.testing.Routes;
import dev.keygate.gateway.testing.TestGateway;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Usage recorded by two gateways sharing one Redis, with a short flush interval: traffic moves the
 * key's last use within the interval, the previous secret's use during a grace is kept apart from
 * the current one's, the daily counts add up to the requests sent across both gateways, and the
 * scopes the called routes required are recorded (and only those); completing a rotation stops the
 * old secret on both gateways.
 */
class UsageRecordingTests {

    private static final Duration BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static final GatewayFixture fixture =
            GatewayFixture.builder()
                    .sharedRedis()
                    .instances(2)
                    .property("keygate.gateway.usage.flush-interval", "200ms")
                    .routes(
                            uri ->
                                    Routes.to(uri)
                                            .route("orders", "/orders/**", "scopes", "orders:read")
                                            .route("everything", "/**")
                                            .properties())
                    .build();

    private static TestKeys keys() {
        return fixture.keys();
    }

    private static RedisUsageStore usage() {
        return new RedisUsageStore(
                keys().template(), RedisKeyspace.defaults(), UsageProperties.defaults());
    }

    private static int call(WebTestClient client, String key, String path) {
        return client.get()
                .uri(path)
                .header("X-Api-Key", key)
                .exchange()
                .returnResult(String.class)
                .getStatus()
                .value();
    }

    private static KeySeen seen(IssuedKey key) {
        return usage().seen(key.record().owner(), key.record().id()).block();
    }

    @Test
    void trafficMovesLastUsedWithinTheFlushInterval() {
        IssuedKey key = keys().mint("acct-usage-last");
        assertThat(seen(key).lastUsed()).isNull();

        assertThat(call(fixture.gateway().client(), key.key(), "/things")).isEqualTo(200);

        String current = SecretFingerprint.of(key.record().secretHash());
        await().atMost(BOUND)
                .untilAsserted(
                        () -> {
                            KeySeen seen = seen(key);
                            assertThat(seen.lastUsed()).isNotNull();
                            assertThat(seen.secrets()).containsOnlyKeys(current);
                        });
    }

    @Test
    void oldSecretDuringGraceMovesOnlyThePreviousSecretsTime() {
        IssuedKey original = keys().mint("acct-usage-grace");
        IssuedKey rotated =
                keys().store().rotate(original.record().id(), Duration.ofHours(1)).block();

        assertThat(call(fixture.gateway().client(), original.key(), "/things")).isEqualTo(200);

        String previous = SecretFingerprint.of(rotated.record().previousSecretHash());
        String current = SecretFingerprint.of(rotated.record().secretHash());
        await().atMost(BOUND)
                .untilAsserted(() -> assertThat(seen(rotated).secrets()).containsKey(previous));
        assertThat(seen(rotated).secrets()).doesNotContainKey(current);
    }

    @Test
    void completingTheRotationMakesTheOldSecretFailOnBothGatewaysWhileTheNewOneWorks() {
        IssuedKey original = keys().mint("acct-usage-complete");
        IssuedKey rotated =
                keys().store().rotate(original.record().id(), Duration.ofHours(1)).block();
        for (TestGateway gateway : fixture.gateways()) {
            Probe.until(gateway.client(), original.key(), 200, System.nanoTime(), BOUND);
        }

        keys().store().completeRotation(original.record().id()).block();

        for (TestGateway gateway : fixture.gateways()) {
            Probe.until(gateway.client(), original.key(), 401, System.nanoTime(), BOUND);
            assertThat(call(gateway.client(), rotated.key(), "/things")).isEqualTo(200);
        }
    }

    @Test
    void dailyCountsAddUpToTheRequestsSentAcrossBothGateways() {
        IssuedKey key = keys().mint("acct-usage-days");
        List<TestGateway> gateways = fixture.gateways();
        int sent = 0;
        for (int i = 0; i < 40; i++) {
            assertThat(call(gateways.get(i % 2).client(), key.key(), "/things")).isEqualTo(200);
            sent++;
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        int expected = sent;
        await().atMost(BOUND)
                .untilAsserted(
                        () ->
                                assertThat(
                                                usage()
                                                        .days(
                                                                key.record().owner(),
                                                                key.record().id(),
                                                                today.minusDays(1),
                                                                today)
                                                        .block()
                                                        .stream()
                                                        .mapToLong(DailyCount::requests)
                                                        .sum())
                                        .isEqualTo(expected));
    }

    @Test
    void theScopesCalledRoutesRequiredAreRecordedAndNoOthers() {
        IssuedKey key =
                keys().mint(
                                NewKey.forOwner("acct-usage-scopes")
                                        .withScopes(Set.of("orders:read", "orders:write")));

        assertThat(call(fixture.gateway().client(), key.key(), "/orders/1")).isEqualTo(200);
        assertThat(call(fixture.gateways().get(1).client(), key.key(), "/things")).isEqualTo(200);

        await().atMost(BOUND)
                .untilAsserted(
                        () -> assertThat(seen(key).scopes()).containsOnlyKeys("orders:read"));
    }
}
