package dev.keygate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.store.EpochReading;
import dev.keygate.core.store.Invalidation;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvalidationTrackerTests {

    private static final Duration MAX_STALENESS = Duration.ofSeconds(5);
    private static final String ID_A = "AAAAAAAAAAA";
    private static final String ID_B = "BBBBBBBBBBB";
    private static final String ID_C = "CCCCCCCCCCC";

    private final RecordingInvalidator cache = new RecordingInvalidator();
    private final FakeTicker ticker = new FakeTicker(1_000_000_000L);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InvalidationTracker tracker =
            new InvalidationTracker(cache, ticker, MAX_STALENESS, registry);

    /** Subscribes and confirms {@code epoch} by a first poll, then forgets what that did. */
    private void startAt(long epoch) {
        tracker.onSubscribed();
        tracker.onPolledEpoch(epoch, ticker.read());
        cache.reset();
    }

    @Test
    void anotherStoreIncarnationFlushesEvenWhenTheEpochMatchesOrGrows() {
        tracker.onSubscribed();
        tracker.onPolledEpoch(new EpochReading(6, EpochReading.NO_INCARNATION), ticker.read());
        cache.reset();

        // a store's first change writes its marker: the same store, no flush
        tracker.onMessage("7 " + ID_A);
        tracker.onPolledEpoch(new EpochReading(7, "first"), ticker.read());
        tracker.onPolledEpoch(new EpochReading(7, "first"), ticker.read());
        assertThat(cache.flushes).isZero();

        // the same number, another store: nothing it says relates to what is cached
        assertThat(tracker.onPolledEpoch(new EpochReading(7, "second"), ticker.read())).isFalse();
        assertThat(cache.flushes).isEqualTo(1);
        assertThat(registry.counter("keygate.invalidations.store.replaced").count()).isEqualTo(1);

        // a store that lost its marker (wiped) is another one too, even with a higher epoch
        assertThat(
                        tracker.onPolledEpoch(
                                new EpochReading(9, EpochReading.NO_INCARNATION), ticker.read()))
                .isFalse();
        assertThat(cache.flushes).isEqualTo(2);
        assertThat(tracker.lastEpoch()).isEqualTo(9);
        assertThat(tracker.isTrusted()).isTrue();
    }

    @Test
    void messageInvalidatesItsId() {
        startAt(4);

        tracker.onMessage("5 " + ID_A);

        assertThat(cache.invalidated).containsExactly(ID_A);
        assertThat(cache.flushes).isZero();
        assertThat(registry.counter("keygate.invalidations.received").count()).isEqualTo(1);
    }

    @Test
    void consecutiveEpochsCauseNoFlush() {
        startAt(4);

        tracker.onMessage("5 " + ID_A);
        tracker.onMessage("6 " + ID_B);
        tracker.onMessage("7 " + ID_A);

        assertThat(cache.invalidated).containsExactly(ID_A, ID_B, ID_A);
        assertThat(cache.flushes).isZero();
        assertThat(registry.counter("keygate.invalidations.gaps").count()).isZero();
    }

    @Test
    void gapInEpochsFlushesTheWholeCache() {
        startAt(4);

        tracker.onMessage("5 " + ID_A);
        tracker.onMessage("7 " + ID_B);

        assertThat(cache.invalidated).containsExactly(ID_A, ID_B);
        assertThat(cache.flushes).isEqualTo(1);
        assertThat(registry.counter("keygate.invalidations.gaps").count()).isEqualTo(1);
    }

    @Test
    void lateAndDuplicateMessagesDoNotFlushAgainButStillInvalidateTheirId() {
        startAt(4);
        tracker.onMessage("5 " + ID_A);
        tracker.onMessage("7 " + ID_B); // 6 overtaken: one flush
        assertThat(cache.flushes).isEqualTo(1);

        tracker.onMessage("6 " + ID_C); // the late one
        tracker.onMessage("7 " + ID_B); // a duplicate
        tracker.onMessage("8 " + ID_A); // and the sequence goes on from the highest

        assertThat(cache.flushes).isEqualTo(1);
        assertThat(cache.invalidated).containsExactly(ID_A, ID_B, ID_C, ID_B, ID_A);
    }

    @Test
    void flushAllMessageFlushes() {
        startAt(4);

        tracker.onMessage("5 *");

        assertThat(cache.flushes).isEqualTo(1);
        assertThat(cache.invalidated).isEmpty();
        // and the epoch still advances: the next message is no gap
        tracker.onMessage("6 " + ID_A);
        assertThat(cache.flushes).isEqualTo(1);
    }

    @Test
    void unparseableMessageFlushes() {
        startAt(4);

        tracker.onMessage("garbage");
        tracker.onMessage("5 not-an-id");
        tracker.onMessage("-1 " + ID_A);

        assertThat(cache.flushes).isEqualTo(3);
        assertThat(cache.invalidated).isEmpty();
        assertThat(registry.counter("keygate.invalidations.malformed").count()).isEqualTo(3);
    }

    @Test
    void everySubscriptionAndResubscriptionFlushes() {
        tracker.onSubscribed();
        assertThat(cache.flushes).isEqualTo(1);
        assertThat(tracker.isSubscribed()).isTrue();

        tracker.onDisconnected();
        assertThat(tracker.isSubscribed()).isFalse();
        assertThat(cache.flushes).isEqualTo(1);

        tracker.onSubscribed();
        assertThat(cache.flushes).isEqualTo(2);
        assertThat(tracker.isSubscribed()).isTrue();
    }

    @Test
    void cacheIsNotTrustedBeforeTheFirstPoll() {
        tracker.onSubscribed();

        assertThat(tracker.isTrusted()).isFalse();
        assertThat(tracker.confirmedEpoch()).isEqualTo(-1);
        assertThat(tracker.sinceConfirmed()).isNull();
    }

    @Test
    void firstPollConfirmsTheEpochAndMakesTheCacheTrusted() {
        tracker.onSubscribed();
        cache.reset();

        boolean recheck = tracker.onPolledEpoch(12, ticker.read());

        assertThat(recheck).isFalse();
        assertThat(tracker.isTrusted()).isTrue();
        assertThat(tracker.confirmedEpoch()).isEqualTo(12);
        assertThat(tracker.sinceConfirmed()).isEqualTo(Duration.ZERO);
        // and the messages that follow are measured from it
        cache.reset();
        tracker.onMessage("13 " + ID_A);
        assertThat(cache.flushes).isZero();
        tracker.onMessage("15 " + ID_A);
        assertThat(cache.flushes).isEqualTo(1);
    }

    @Test
    void pollEqualToTheLastEpochConfirms() {
        startAt(4);
        tracker.onMessage("5 " + ID_A);
        ticker.advance(Duration.ofSeconds(3));

        boolean recheck = tracker.onPolledEpoch(5, ticker.read());

        assertThat(recheck).isFalse();
        assertThat(cache.flushes).isZero();
        assertThat(tracker.confirmedEpoch()).isEqualTo(5);
        assertThat(tracker.sinceConfirmed()).isEqualTo(Duration.ZERO);
    }

    @Test
    void pollLowerThanTheLastEpochFlushes() {
        startAt(40);
        tracker.onMessage("41 " + ID_A);
        ticker.advance(Duration.ofSeconds(1));

        // Redis lost its data (restarted empty, failed over to a stale replica)
        boolean recheck = tracker.onPolledEpoch(0, ticker.read());

        assertThat(recheck).isFalse();
        assertThat(cache.flushes).isEqualTo(1);
        assertThat(tracker.confirmedEpoch()).isZero();
        assertThat(tracker.isTrusted()).isTrue();
        // and the epoch now counts from there: the next change is no gap
        tracker.onMessage("1 " + ID_B);
        assertThat(cache.flushes).isEqualTo(1);
    }

    @Test
    void pollReplyOvertakenByAMessageDoesNotFlush() {
        startAt(4);
        long sentAt = ticker.read();
        // GET kg:epoch answers 4; meanwhile a change publishes epoch 5, and that message is
        // handled before the poll reply
        ticker.advance(Duration.ofMillis(2));
        tracker.onMessage("5 " + ID_A);

        tracker.onPolledEpoch(4, sentAt);
        tracker.onMessage("6 " + ID_B);

        assertThat(cache.flushes).isZero();
        assertThat(cache.invalidated).containsExactly(ID_A, ID_B);
    }

    @Test
    void pollHigherAsksForARecheckAndDoesNotConfirmYet() {
        startAt(4);
        ticker.advance(Duration.ofSeconds(1));
        long sentAt = ticker.read();

        boolean recheck = tracker.onPolledEpoch(6, sentAt);

        assertThat(recheck).isTrue();
        assertThat(cache.flushes).isZero();
        assertThat(tracker.confirmedEpoch()).isEqualTo(4);
        assertThat(tracker.sinceConfirmed()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void recheckDoesNotFlushWhenTheMessagesArrivedMeanwhile() {
        startAt(4);
        ticker.advance(Duration.ofSeconds(1));
        long sentAt = ticker.read();
        assertThat(tracker.onPolledEpoch(6, sentAt)).isTrue();

        tracker.onMessage("5 " + ID_A);
        tracker.onMessage("6 " + ID_B);
        ticker.advance(Duration.ofMillis(200));
        tracker.recheck(6, sentAt);

        assertThat(cache.flushes).isZero();
        assertThat(cache.invalidated).containsExactly(ID_A, ID_B);
        assertThat(tracker.confirmedEpoch()).isEqualTo(6);
        assertThat(tracker.sinceConfirmed()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void pollAheadOfTheMessagesCatchesUpFromTheChangeLogWithoutAFlush() {
        startAt(4);
        ticker.advance(Duration.ofSeconds(1));
        long sentAt = ticker.read();
        assertThat(tracker.onPolledEpoch(6, sentAt)).isTrue();
        assertThat(tracker.lastEpoch()).isEqualTo(4);

        boolean caughtUp =
                tracker.catchUp(
                        List.of(new Invalidation(5, ID_A), new Invalidation(6, ID_B)), 6, sentAt);

        assertThat(caughtUp).isTrue();
        assertThat(cache.invalidated).containsExactly(ID_A, ID_B);
        assertThat(cache.flushes).isZero();
        assertThat(tracker.confirmedEpoch()).isEqualTo(6);
        assertThat(registry.counter("keygate.invalidations.caught.up").count()).isEqualTo(1);
        // the lost messages, should they turn up, flush nothing
        tracker.onMessage("6 " + ID_B);
        tracker.onMessage("7 " + ID_C);
        assertThat(cache.flushes).isZero();
    }

    @Test
    void changeLogMissingAnEpochChangesNothingAndLeavesItToTheRecheck() {
        startAt(4);
        long sentAt = ticker.read();
        assertThat(tracker.onPolledEpoch(7, sentAt)).isTrue();

        // 6 not logged yet (its writer is between INCR and the log) or trimmed
        boolean caughtUp =
                tracker.catchUp(
                        List.of(new Invalidation(5, ID_A), new Invalidation(7, ID_B)), 7, sentAt);

        assertThat(caughtUp).isFalse();
        assertThat(cache.invalidated).isEmpty();
        assertThat(cache.flushes).isZero();
        assertThat(tracker.lastEpoch()).isEqualTo(4);
        tracker.recheck(7, sentAt);
        assertThat(cache.flushes).isEqualTo(1);
    }

    @Test
    void catchUpAfterTheMessagesArrivedMeanwhileOnlyDropsTheirIdsAgain() {
        startAt(4);
        ticker.advance(Duration.ofSeconds(1));
        long sentAt = ticker.read();
        assertThat(tracker.onPolledEpoch(5, sentAt)).isTrue();
        tracker.onMessage("5 " + ID_A);

        assertThat(tracker.catchUp(List.of(), 5, sentAt)).isTrue();

        assertThat(cache.invalidated).containsExactly(ID_A);
        assertThat(cache.flushes).isZero();
        assertThat(tracker.confirmedEpoch()).isEqualTo(5);
    }

    @Test
    void flushAllEntryInTheChangeLogFlushes() {
        startAt(4);
        long sentAt = ticker.read();
        assertThat(tracker.onPolledEpoch(5, sentAt)).isTrue();

        assertThat(tracker.catchUp(List.of(new Invalidation(5, Invalidation.ALL_KEYS)), 5, sentAt))
                .isTrue();

        assertThat(cache.flushes).isEqualTo(1);
    }

    @Test
    void recheckFlushesWhenTheMessageNeverArrived() {
        startAt(4);
        ticker.advance(Duration.ofSeconds(1));
        long sentAt = ticker.read();
        assertThat(tracker.onPolledEpoch(5, sentAt)).isTrue();

        ticker.advance(Duration.ofMillis(200));
        tracker.recheck(5, sentAt);

        assertThat(cache.flushes).isEqualTo(1);
        assertThat(tracker.confirmedEpoch()).isEqualTo(5);
        assertThat(registry.counter("keygate.invalidations.gaps").count()).isEqualTo(1);
        // the lost message, should it turn up, flushes nothing more
        tracker.onMessage("5 " + ID_A);
        tracker.onMessage("6 " + ID_B);
        assertThat(cache.flushes).isEqualTo(1);
    }

    @Test
    void trustExpiresAfterMaxStalenessWithoutConfirmationAndReturnsWithTheNextOne() {
        startAt(4);
        assertThat(tracker.isTrusted()).isTrue();

        ticker.advance(MAX_STALENESS.minusNanos(1));
        assertThat(tracker.isTrusted()).isTrue();

        ticker.advance(Duration.ofNanos(1));
        assertThat(tracker.isTrusted()).isFalse();
        // messages alone do not restore trust: only a poll confirms that none was missed
        tracker.onMessage("5 " + ID_A);
        assertThat(tracker.isTrusted()).isFalse();

        ticker.advance(Duration.ofSeconds(10));
        tracker.onPolledEpoch(5, ticker.read());
        assertThat(tracker.isTrusted()).isTrue();
    }

    @Test
    void confirmationCountsFromWhenThePollWasSentNotWhenItsReplyArrived() {
        startAt(4);
        long sentAt = ticker.read();
        ticker.advance(Duration.ofSeconds(3)); // a slow reply

        tracker.onPolledEpoch(4, sentAt);

        assertThat(tracker.sinceConfirmed()).isEqualTo(Duration.ofSeconds(3));
        ticker.advance(Duration.ofMillis(1999));
        assertThat(tracker.isTrusted()).isTrue();
        ticker.advance(Duration.ofMillis(1));
        assertThat(tracker.isTrusted()).isFalse();
    }

    @Test
    void anOlderPollReplyDoesNotMoveTheConfirmationBack() {
        startAt(4);
        long firstSent = ticker.read();
        ticker.advance(Duration.ofSeconds(1));
        long secondSent = ticker.read();

        tracker.onPolledEpoch(4, secondSent);
        tracker.onPolledEpoch(4, firstSent); // replies in the other order

        assertThat(tracker.sinceConfirmed()).isEqualTo(Duration.ZERO);
    }

    @Test
    void stalenessIsPublishedAsAGauge() {
        assertThat(registry.get("keygate.invalidations.staleness").gauge().value()).isNaN();
        startAt(4);
        ticker.advance(Duration.ofMillis(1500));

        assertThat(registry.get("keygate.invalidations.staleness").gauge().value()).isEqualTo(1.5);
    }

    /** Remembers what the tracker asked of the cache. */
    @Test
    void theAppliedEpochIsReportedOnlyAfterTheCacheDroppedWhatTheChangesTouched() {
        List<String> heard = new ArrayList<>();
        InvalidationTracker reporting =
                new InvalidationTracker(
                        cache,
                        ticker,
                        MAX_STALENESS,
                        registry,
                        epoch ->
                                heard.add(
                                        epoch
                                                + " after "
                                                + cache.invalidated
                                                + "/"
                                                + cache.flushes));
        reporting.onSubscribed();
        reporting.onPolledEpoch(new EpochReading(4, "store"), ticker.read());
        assertThat(heard).containsExactly("4 after []/2");
        cache.reset();
        heard.clear();

        reporting.onMessage("5 " + ID_A);
        // a message for an epoch already applied moves nothing
        reporting.onMessage("5 " + ID_A);
        // a gap flushes first, then the epoch is applied
        reporting.onMessage("7 " + ID_B);
        // a poll that only confirms moves nothing either
        reporting.onPolledEpoch(new EpochReading(7, "store"), ticker.read());
        assertThat(heard)
                .containsExactly(
                        "5 after [" + ID_A + "]/0",
                        "7 after [" + ID_A + ", " + ID_A + ", " + ID_B + "]/1");

        // missed changes read from the log are applied with their epoch
        heard.clear();
        assertThat(reporting.onPolledEpoch(new EpochReading(8, "store"), ticker.read())).isTrue();
        assertThat(heard).isEmpty();
        reporting.catchUp(List.of(new Invalidation(8, ID_C)), 8, ticker.read());
        assertThat(heard).hasSize(1).first().asString().startsWith("8 after").contains(ID_C);
    }

    @Test
    void aGatewayNotYetInTheNodeRegistryDoesNotTrustItsCache() {
        boolean[] registered = {false};
        InvalidationTracker gated =
                new InvalidationTracker(
                        cache,
                        ticker,
                        MAX_STALENESS,
                        registry,
                        new AppliedEpochListener() {
                            @Override
                            public void applied(long epoch) {}

                            @Override
                            public boolean mayTrustCache() {
                                return registered[0];
                            }
                        });
        gated.onSubscribed();
        gated.onPolledEpoch(new EpochReading(3, "store"), ticker.read());
        assertThat(gated.isTrusted()).isFalse();

        registered[0] = true;

        assertThat(gated.isTrusted()).isTrue();
        assertThat(gated.appliedEpoch()).isEqualTo(3);
    }

    static final class RecordingInvalidator implements CacheInvalidator {
        final List<String> invalidated = new ArrayList<>();
        int flushes;

        @Override
        public void invalidate(String id) {
            invalidated.add(id);
        }

        @Override
        public void invalidateAll() {
            flushes++;
        }

        void reset() {
            invalidated.clear();
            flushes = 0;
        }
    }
}
