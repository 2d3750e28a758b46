package dev.keygate.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyParser;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.key.KeyRecord.SecretMatch;
import dev.keygate.core.key.ParsedApiKey;
import dev.keygate.core.key.SecretHash;
import dev.keygate.core.testing.TestKeys;
import dev.keygate.test.redis.RedisExtension;
import dev.keygate.test.redis.RedisServer;
import dev.keygate.test.time.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

@ExtendWith(RedisExtension.class)
class RedisKeyStoreTests {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final RedisServer redis;
    private final MutableClock clock = new MutableClock(T0);
    private final ApiKeyFormat format = ApiKeyFormat.defaults();
    private final ApiKeyParser parser = new ApiKeyParser(format);
    private TestKeys keys;
    private ReactiveStringRedisTemplate template;
    private RedisKeyStore store;

    RedisKeyStoreTests(RedisServer redis) {
        this.redis = redis;
    }

    @BeforeEach
    void connect() {
        redis.flushAll();
        keys = TestKeys.connectedTo(redis, clock);
        template = keys.template();
        store = keys.store();
    }

    @AfterEach
    void disconnect() {
        keys.close();
    }

    @Test
    void createdKeyIsStoredAsHashOnlyAndFoundById() {
        NewKey spec =
                new NewKey(
                        "acct-1",
                        "ci token",
                        Set.of("orders:read", "orders:write"),
                        Set.of("acme"),
                        T0.plus(Duration.ofDays(30)),
                        Map.of("team", "payments"));
        IssuedKey issued = store.create(spec).block();

        ParsedApiKey parsed = (ParsedApiKey) parser.parse(issued.key());
        assertThat(parsed.id()).isEqualTo(issued.record().id());
        KeyRecord found = store.findById(parsed.id()).block();
        assertThat(found).isEqualTo(issued.record());
        assertThat(found.owner()).isEqualTo("acct-1");
        assertThat(found.name()).isEqualTo("ci token");
        assertThat(found.scopes()).containsExactly("orders:read", "orders:write");
        assertThat(found.organizations()).containsExactly("acme");
        assertThat(found.createdAt()).isEqualTo(T0);
        assertThat(found.rotatedAt()).isEqualTo(T0);
        assertThat(found.expiresAt()).isEqualTo(T0.plus(Duration.ofDays(30)));
        assertThat(found.enabled()).isTrue();
        assertThat(found.metadata()).containsEntry("team", "payments");
        assertThat(found.version()).isEqualTo(1);
        assertThat(found.match(parsed.secretHash(), T0)).isEqualTo(SecretMatch.CURRENT);

        @SuppressWarnings("unchecked")
        List<Object> raw = (List<Object>) redis.command("HGETALL", "kg:key:{" + parsed.id() + "}");
        assertThat(raw).noneMatch(value -> String.valueOf(value).contains(parsed.secret()));
        assertThat(raw).contains(parsed.secretHash().encoded());
    }

    @Test
    void unknownIdIsEmpty() {
        StepVerifier.create(store.findById("AAAAAAAAAAA")).verifyComplete();
    }

    @Test
    void rotationKeepsIdReplacesSecretAndDropsOldOneAtOnceWithoutGrace() {
        IssuedKey created = store.create(NewKey.forOwner("acct-1")).block();
        clock.advance(Duration.ofHours(1));

        IssuedKey rotated = store.rotate(created.record().id(), Duration.ZERO).block();

        assertThat(rotated.record().id()).isEqualTo(created.record().id());
        assertThat(rotated.key()).isNotEqualTo(created.key());
        KeyRecord found = store.findById(created.record().id()).block();
        assertThat(found.rotatedAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
        assertThat(found.createdAt()).isEqualTo(T0);
        assertThat(found.version()).isEqualTo(2);
        assertThat(found.match(hashOf(rotated.key()), clock.instant()))
                .isEqualTo(SecretMatch.CURRENT);
        assertThat(found.match(hashOf(created.key()), clock.instant())).isEqualTo(SecretMatch.NONE);
        // kept, already expired, so gateways can tell a rotated-away secret from a wrong one
        assertThat(found.previousSecretExpiresAt()).isEqualTo(found.rotatedAt());
        assertThat(found.previousSecretHash().matches(hashOf(created.key()))).isTrue();
    }

    @Test
    void rotationWithGraceAcceptsOldSecretUntilItsInstantOnly() {
        IssuedKey created = store.create(NewKey.forOwner("acct-1")).block();

        store.rotate(created.record().id(), Duration.ofMinutes(10)).block();

        KeyRecord found = store.findById(created.record().id()).block();
        assertThat(found.previousSecretExpiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
        assertThat(found.match(hashOf(created.key()), T0.plus(Duration.ofMinutes(9))))
                .isEqualTo(SecretMatch.PREVIOUS);
        assertThat(found.match(hashOf(created.key()), T0.plus(Duration.ofMinutes(10))))
                .isEqualTo(SecretMatch.NONE);
    }

    @Test
    void rotatingAnUnknownIdIsEmptyAndWritesNothing() {
        StepVerifier.create(store.rotate("AAAAAAAAAAA", Duration.ZERO)).verifyComplete();
        assertThat(redis.command("EXISTS", "kg:key:{AAAAAAAAAAA}")).isEqualTo(0L);
        assertThat(store.currentEpoch().block()).isZero();
    }

    @Test
    void concurrentRotationsOfOneKeyLoseNoUpdate() {
        String id = store.create(NewKey.forOwner("acct-1")).block().record().id();
        int rotations = 40;

        List<IssuedKey> results =
                Flux.range(0, rotations)
                        .flatMap(
                                i ->
                                        store.rotate(id, Duration.ZERO)
                                                .subscribeOn(Schedulers.parallel()),
                                rotations)
                        .collectList()
                        .block(Duration.ofSeconds(30));

        assertThat(results).hasSize(rotations);
        Set<Long> versions = new HashSet<>();
        results.forEach(result -> versions.add(result.record().version()));
        // every rotation saw its own version: each was applied on top of the one before
        assertThat(versions).hasSize(rotations);
        KeyRecord finalRecord = store.findById(id).block();
        assertThat(finalRecord.version()).isEqualTo(1 + rotations);
        IssuedKey winner =
                results.stream()
                        .filter(r -> r.record().version() == finalRecord.version())
                        .findFirst()
                        .orElseThrow();
        assertThat(finalRecord.match(hashOf(winner.key()), clock.instant()))
                .isEqualTo(SecretMatch.CURRENT);
        long accepted =
                results.stream()
                        .filter(
                                r ->
                                        finalRecord.match(hashOf(r.key()), clock.instant())
                                                != SecretMatch.NONE)
                        .count();
        assertThat(accepted).isEqualTo(1);
    }

    @Test
    void updateChangesOnlyTheGivenFields() {
        IssuedKey created =
                store.create(
                                NewKey.forOwner("acct-1")
                                        .withName("old")
                                        .withScopes(Set.of("a:read"))
                                        .withExpiresAt(T0.plus(Duration.ofDays(1))))
                        .block();
        String id = created.record().id();

        KeyChange change =
                store.update(
                                id,
                                KeyUpdate.none()
                                        .withScopes(Set.of("b:write", "a:read"))
                                        .withEnabled(false)
                                        .withExpiresAt(Optional.empty())
                                        .withMetadata(Map.of("k", "v")))
                        .block();

        KeyRecord found = store.findById(id).block();
        assertThat(found).isEqualTo(change.record());
        assertThat(found.name()).isEqualTo("old");
        assertThat(found.scopes()).containsExactly("a:read", "b:write");
        assertThat(found.enabled()).isFalse();
        assertThat(found.expiresAt()).isNull();
        assertThat(found.metadata()).isEqualTo(Map.of("k", "v"));
        assertThat(found.version()).isEqualTo(2);
        assertThat(found.match(hashOf(created.key()), T0)).isEqualTo(SecretMatch.CURRENT);

        store.update(id, KeyUpdate.none().withMetadata(Map.of("other", "x"))).block();
        assertThat(store.findById(id).block().metadata()).isEqualTo(Map.of("other", "x"));
    }

    @Test
    void removedKeyIsGoneFromRecordAndOwnerIndexAndRemovingAgainIsEmpty() {
        IssuedKey created = store.create(NewKey.forOwner("acct-1")).block();
        String id = created.record().id();

        KeyChange removed = store.remove(id).block();

        assertThat(removed.record().id()).isEqualTo(id);
        StepVerifier.create(store.findById(id)).verifyComplete();
        assertThat(store.listByOwner("acct-1", null, 10).block().keys()).isEmpty();
        StepVerifier.create(store.remove(id)).verifyComplete();
    }

    @Test
    void listingByOwnerPagesThroughEveryKeyOnceInIdOrder() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(store.create(NewKey.forOwner("acct-1")).block().record().id());
        }
        store.create(NewKey.forOwner("acct-2")).block();
        Collections.sort(ids);

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            KeyPage page = store.listByOwner("acct-1", cursor, 3).block();
            page.keys().forEach(record -> seen.add(record.id()));
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null);

        assertThat(seen).containsExactlyElementsOf(ids);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void everyChangeIncrementsTheEpochAndPublishesAfterTheRecordIsWritten() {
        List<String> messages = Collections.synchronizedList(new ArrayList<>());
        List<Long> versionsSeenOnMessage = Collections.synchronizedList(new ArrayList<>());
        Disposable subscription =
                template.listenToChannel("kg:invalidations")
                        .filter(message -> !message.getMessage().equals("0 probe"))
                        .doOnNext(
                                message -> {
                                    Invalidation invalidation =
                                            Invalidation.parse(message.getMessage());
                                    // read the record from a separate connection as the message
                                    // arrives
                                    Object version =
                                            redis.command(
                                                    "HGET",
                                                    "kg:key:{" + invalidation.id() + "}",
                                                    "version");
                                    versionsSeenOnMessage.add(
                                            version == null
                                                    ? -1L
                                                    : Long.parseLong((String) version));
                                    messages.add(message.getMessage());
                                })
                        .subscribe();
        // the subscription is asynchronous: wait until Redis counts a subscriber on the channel
        await().atMost(Duration.ofSeconds(5))
                .until(() -> template.convertAndSend("kg:invalidations", "0 probe").block() > 0);

        IssuedKey created = store.create(NewKey.forOwner("acct-1")).block();
        String id = created.record().id();
        IssuedKey rotated = store.rotate(id, Duration.ZERO).block();
        KeyChange updated = store.update(id, KeyUpdate.none().withEnabled(false)).block();
        // the record still exists until every message about its changes has been handled, so a
        // message published before its write would read an older version (or none, on create)
        await().atMost(Duration.ofSeconds(5)).until(() -> messages.size() == 3);
        KeyChange removed = store.remove(id).block();

        await().atMost(Duration.ofSeconds(5)).until(() -> messages.size() == 4);
        subscription.dispose();
        assertThat(List.of(created.epoch(), rotated.epoch(), updated.epoch(), removed.epoch()))
                .containsExactly(1L, 2L, 3L, 4L);
        assertThat(messages).containsExactly("1 " + id, "2 " + id, "3 " + id, "4 " + id);
        // each message arrived only after its change was visible: the record read on message n is
        // at least version n (later changes may already have landed too); removed: record gone
        for (int n = 1; n <= 3; n++) {
            assertThat(versionsSeenOnMessage.get(n - 1))
                    .as("version seen on message %s", n)
                    .isGreaterThanOrEqualTo(n);
        }
        assertThat(versionsSeenOnMessage.get(3)).isEqualTo(-1L);
        assertThat(store.currentEpoch().block()).isEqualTo(4L);
    }

    @Test
    void everyChangeIsLoggedSoASubscriberThatMissedMessagesCanCatchUp() {
        IssuedKey created = store.create(NewKey.forOwner("acct-1")).block();
        String id = created.record().id();
        store.rotate(id, Duration.ZERO).block();
        store.remove(id).block();
        store.remove("nosuchid000").block();

        assertThat(store.changesBetween(0, 4).block())
                .containsExactly(
                        new Invalidation(1, id),
                        new Invalidation(2, id),
                        new Invalidation(3, id),
                        new Invalidation(4, "nosuchid000"));
        assertThat(store.changesBetween(1, 3).block())
                .containsExactly(new Invalidation(2, id), new Invalidation(3, id));
        assertThat(store.changesBetween(4, 9).block()).isEmpty();
        assertThat(store.changesBetween(3, 3).block()).isEmpty();
    }

    @Test
    void changeLogKeepsOnlyTheNewestChanges() {
        int changes = RedisKeyStore.CHANGE_LOG_LENGTH + 5;
        Flux.range(0, changes)
                .flatMap(i -> store.remove(String.format("gone%07d", i)), 64)
                .blockLast();

        assertThat(redis.command("ZCARD", RedisKeyspace.defaults().changes()))
                .isEqualTo((long) RedisKeyStore.CHANGE_LOG_LENGTH);
        // epochs 1-5 were trimmed
        assertThat(store.changesBetween(0, 5).block()).isEmpty();
        assertThat(store.changesBetween(0, 6).block())
                .extracting(Invalidation::epoch)
                .containsExactly(6L);
        assertThat(store.changesBetween(changes - 2L, changes).block()).hasSize(2);
    }

    private SecretHash hashOf(String key) {
        return ((ParsedApiKey) parser.parse(key)).secretHash();
    }
}
