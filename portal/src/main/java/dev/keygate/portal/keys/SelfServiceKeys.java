package dev.keygate.portal.keys;

import dev.keygate.admin.auth.AdminPrincipal;
import dev.keygate.admin.auth.AdminRole;
import dev.keygate.admin.idempotency.IdempotentRequest;
import dev.keygate.admin.problem.Problem;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.ProblemType;
import dev.keygate.admin.propagation.PropagationTracker;
import dev.keygate.admin.service.ChangeOutcome;
import dev.keygate.admin.service.KeyAdminService;
import dev.keygate.admin.service.KeyAdminService.Caller;
import dev.keygate.admin.service.KeyAnswer;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.KeyPage;
import dev.keygate.core.store.NewKey;
import dev.keygate.portal.config.PortalProperties;
import dev.keygate.portal.user.PortalUser;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import reactor.core.publisher.Mono;

/**
 * What a signed-in user may do with their own keys, on top of the admin API's {@link
 * KeyAdminService} (which stores, announces and audits every change exactly as for an admin; the
 * actor is {@code portal:<owner>}). The portal's rules live here, the same for the pages and the
 * self-service API:
 *
 * <ul>
 *   <li>Only the user's own keys exist for them: another owner's key id is {@code not-found},
 *       exactly as an id that does not exist.
 *   <li>A new key needs a name and an expiry within {@code keygate.portal.max-ttl}; its scopes come
 *       from the operator's catalogue, its organisations from the user's claim.
 *   <li>At most {@code max-keys-per-owner} keys, and {@code creation-rate} creations or
 *       regenerations per period ({@link CreationRateLimiter}).
 *   <li>A regeneration keeps the old key working at most {@code max-grace-period} (default none).
 *   <li>A key the operator disabled can be neither regenerated nor removed.
 * </ul>
 *
 * The key cap is checked before the creation, not atomically with it: concurrent creations of one
 * owner can pass it together, as many as the creation rate lets through.
 *
 * <p>Every change waits for its propagation receipt as an admin change does ({@link
 * PropagationTracker}). Input is checked before anything is written; a refused request changes
 * nothing. Errors are {@link ProblemException}s (field errors for input); store failures pass
 * through (503). Non-blocking and thread-safe.
 */
public final class SelfServiceKeys {

    /** The most keys of one owner the portal reads (more than any sane max-keys-per-owner). */
    static final int MAX_LISTED = 1000;

    private static final int PAGE = 200;

    private static final IdempotentRequest NO_IDEMPOTENCY =
            new IdempotentRequest(null, new byte[0]);

    private static final KeyAnswer<MintedKey> MINTED =
            new KeyAnswer<>(
                    MintedKey.class, written -> new MintedKey(written.record(), written.key()));

    private final KeyAdminService service;
    private final PropagationTracker propagation;
    private final CreationRateLimiter rateLimiter;
    private final PortalProperties properties;
    private final Clock clock;

    public SelfServiceKeys(
            KeyAdminService service,
            PropagationTracker propagation,
            CreationRateLimiter rateLimiter,
            PortalProperties properties,
            Clock clock) {
        this.service = Objects.requireNonNull(service, "service");
        this.propagation = Objects.requireNonNull(propagation, "propagation");
        this.rateLimiter = Objects.requireNonNull(rateLimiter, "rateLimiter");
        this.properties = Objects.requireNonNull(properties, "properties");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The user's keys, newest first (at most {@value #MAX_LISTED}). */
    public Mono<List<KeyRecord>> list(PortalUser user) {
        return page(user.owner(), null, new ArrayList<>())
                .map(
                        keys -> {
                            keys.sort(
                                    Comparator.comparing(KeyRecord::createdAt)
                                            .reversed()
                                            .thenComparing(KeyRecord::id));
                            return keys;
                        });
    }

    private Mono<List<KeyRecord>> page(String owner, String cursor, List<KeyRecord> into) {
        return service.list(owner, cursor, PAGE)
                .flatMap(
                        (KeyPage page) -> {
                            into.addAll(page.keys());
                            if (page.nextCursor() == null || into.size() >= MAX_LISTED) {
                                return Mono.just(into);
                            }
                            return page(owner, page.nextCursor(), into);
                        });
    }

    /** The user's key {@code id}; {@code not-found} when there is none or it is someone else's. */
    public Mono<KeyRecord> get(PortalUser user, String id) {
        if (!ApiKeyFormat.isWellFormedId(id)) {
            return Mono.error(() -> notFound(id));
        }
        return Mono.defer(() -> service.get(id))
                .filter(record -> record.owner().equals(user.owner()))
                .switchIfEmpty(Mono.error(() -> notFound(id)))
                .onErrorMap(
                        ProblemException.class,
                        error -> error.type() == ProblemType.NOT_FOUND ? notFound(id) : error);
    }

    /** Creates a key for the user; the answer carries the full key, shown once. */
    public Mono<MintedKey> create(PortalUser user, String requestId, KeyDraft draft) {
        return Mono.defer(
                () -> {
                    NewKey key = check(user, draft);
                    return list(user)
                            .flatMap(
                                    keys -> {
                                        if (keys.size() >= properties.maxKeysPerOwner()) {
                                            return Mono.error(
                                                    new ProblemException(
                                                            ProblemType.KEY_LIMIT_REACHED,
                                                            "You already have "
                                                                    + keys.size()
                                                                    + " keys, the most allowed"
                                                                    + " ("
                                                                    + properties.maxKeysPerOwner()
                                                                    + "). Remove one first."));
                                        }
                                        return throttled(user);
                                    })
                            .then(
                                    Mono.defer(
                                            () ->
                                                    service.create(
                                                            caller(user, requestId),
                                                            key,
                                                            NO_IDEMPOTENCY,
                                                            MINTED)))
                            .flatMap(this::propagated);
                });
    }

    /**
     * Regenerates the user's key {@code id}: a new secret, shown once; the old one stops at once,
     * or after {@code grace} when the operator allows a grace ({@code max-grace-period}).
     */
    public Mono<MintedKey> regenerate(
            PortalUser user, String requestId, String id, Duration grace) {
        return Mono.defer(
                () -> {
                    Duration kept = grace == null ? Duration.ZERO : grace;
                    if (kept.isNegative() || kept.compareTo(properties.maxGracePeriod()) > 0) {
                        return Mono.error(
                                ProblemException.invalid(
                                        "gracePeriod",
                                        properties.offersGrace()
                                                ? "must be between PT0S and "
                                                        + properties.maxGracePeriod()
                                                : "no grace period is offered: the current key"
                                                        + " stops working at once"));
                    }
                    return get(user, id)
                            .flatMap(SelfServiceKeys::notDisabled)
                            .flatMap(record -> throttled(user))
                            .then(
                                    Mono.defer(
                                            () ->
                                                    service.rotate(
                                                            caller(user, requestId),
                                                            id,
                                                            kept,
                                                            NO_IDEMPOTENCY,
                                                            MINTED)))
                            .flatMap(this::propagated);
                });
    }

    /** Removes the user's key {@code id}; emits it as it was. It stops working at once. */
    public Mono<KeyRecord> remove(PortalUser user, String requestId, String id) {
        return get(user, id)
                .flatMap(SelfServiceKeys::notDisabled)
                .flatMap(record -> service.remove(caller(user, requestId), id))
                .flatMap(this::propagated);
    }

    /** The portal's rules for a new key; every violation is listed, each with its field. */
    private NewKey check(PortalUser user, KeyDraft draft) {
        List<Problem.FieldError> errors = new ArrayList<>();
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        if (draft.name() == null || draft.name().isBlank()) {
            errors.add(new Problem.FieldError("name", "give the key a name"));
        }
        Instant expiresAt = draft.expiresAt();
        if (expiresAt == null) {
            errors.add(new Problem.FieldError(draft.expiryField(), "choose when the key expires"));
        } else if (!expiresAt.isAfter(now)) {
            errors.add(new Problem.FieldError(draft.expiryField(), "must be in the future"));
        } else if (expiresAt.isAfter(now.plus(properties.maxTtl()))) {
            errors.add(
                    new Problem.FieldError(
                            draft.expiryField(),
                            "must be at most " + properties.maxTtl().toDays() + " days from now"));
        }
        List<String> unknownScopes =
                draft.scopes().stream().filter(scope -> properties.scope(scope).isEmpty()).toList();
        if (!unknownScopes.isEmpty()) {
            errors.add(
                    new Problem.FieldError(
                            "scopes", "not offered: " + String.join(", ", unknownScopes)));
        }
        List<String> foreignOrganizations =
                draft.organizations().stream()
                        .filter(org -> !user.organizations().contains(org))
                        .toList();
        if (!foreignOrganizations.isEmpty()) {
            errors.add(
                    new Problem.FieldError(
                            "organizations",
                            "you are not a member of " + String.join(", ", foreignOrganizations)));
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(
                    ProblemType.VALIDATION,
                    "The key was not created: "
                            + String.join(
                                    "; ",
                                    errors.stream()
                                            .map(error -> error.field() + " " + error.detail())
                                            .toList()),
                    errors);
        }
        return new NewKey(
                user.owner(),
                draft.name().strip(),
                new LinkedHashSet<>(draft.scopes()),
                new LinkedHashSet<>(draft.organizations()),
                expiresAt.truncatedTo(ChronoUnit.MILLIS),
                Map.of());
    }

    /**
     * The change's value once the live gateways have applied it (at most {@code
     * keygate.admin.propagation.timeout}, as an admin change waits): when the user sees the new key
     * or the removal, the old key is already refused by every gateway that confirmed. A receipt
     * that times out or cannot be read does not fail the change, which is made.
     */
    private <T> Mono<T> propagated(ChangeOutcome<T> outcome) {
        return propagation.receipt(outcome.epoch(), true).thenReturn(outcome.value());
    }

    private Mono<Void> throttled(PortalUser user) {
        return rateLimiter
                .acquire(user.owner())
                .flatMap(
                        decision ->
                                decision.allowed()
                                        ? Mono.<Void>empty()
                                        : Mono.error(
                                                new TooManyCreationsException(
                                                        decision.windowEndsIn())));
    }

    /**
     * A key the operator disabled stays as the operator left it: its owner may neither regenerate
     * nor remove it (removing it and creating a fresh one would undo the operator's measure).
     */
    private static Mono<KeyRecord> notDisabled(KeyRecord record) {
        return record.enabled()
                ? Mono.just(record)
                : Mono.error(
                        new ProblemException(
                                ProblemType.FORBIDDEN,
                                "This key was disabled by the operator of this portal; ask them"
                                        + " about it."));
    }

    private static Caller caller(PortalUser user, String requestId) {
        // the token keys only the encryption of stored idempotent answers; the portal stores none
        return new Caller(new AdminPrincipal(user.actor(), AdminRole.ADMIN, ""), requestId);
    }

    private static ProblemException notFound(String id) {
        return ProblemException.notFound("you have no key with id '" + id + "'");
    }

    /** Refused by {@link CreationRateLimiter}: 429 with {@code Retry-After}. */
    public static final class TooManyCreationsException extends ProblemException {

        private final Duration retryAfter;

        TooManyCreationsException(Duration retryAfter) {
            super(
                    ProblemType.TOO_MANY_REQUESTS,
                    "You created or regenerated too many keys recently. Try again in "
                            + minutes(retryAfter)
                            + ".");
            this.retryAfter = retryAfter;
            getHeaders().set("Retry-After", Long.toString(Math.max(1, retryAfter.toSeconds())));
        }

        public Duration retryAfter() {
            return retryAfter;
        }

        private static String minutes(Duration wait) {
            long minutes = Math.max(1, (wait.toSeconds() + 59) / 60);
            return minutes == 1 ? "a minute" : minutes + " minutes";
        }
    }
}
