package dev.keygate.portal.web;

import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.service.KeyUsageService;
import dev.keygate.admin.web.RequestIdWebFilter;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.portal.keys.KeyDraft;
import dev.keygate.portal.keys.MintedKey;
import dev.keygate.portal.keys.SelfServiceKeys;
import dev.keygate.portal.user.PortalUser;
import jakarta.validation.Valid;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The self-service API, {@code /v1/self/keys}, for providers who embed the flow in their own app:
 * the same rules as the pages ({@link SelfServiceKeys}), for the owner of the JWT bearer (see
 * {@code PortalSecurityConfiguration}). Another owner's key id answers 404, as one that does not
 * exist. Errors are RFC 9457 problems ({@link SelfServiceProblemAdvice}); answers with a full key
 * are {@code Cache-Control: no-store}. Stateless and thread-safe; never blocks.
 */
@RestController
@RequestMapping(path = "/v1/self/keys", produces = MediaType.APPLICATION_JSON_VALUE)
public class SelfKeyController {

    private final SelfServiceKeys keys;
    private final KeyUsageService usage;
    private final ApiKeyFormat format;
    private final Clock clock;

    public SelfKeyController(
            SelfServiceKeys keys, KeyUsageService usage, ApiKeyFormat format, Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.usage = Objects.requireNonNull(usage, "usage");
        this.format = Objects.requireNonNull(format, "format");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The caller's keys, newest first. */
    @GetMapping
    public Mono<Map<String, List<SelfKeyView>>> list(PortalUser user) {
        return keys.list(user)
                .flatMapIterable(list -> list)
                .flatMapSequential(this::view)
                .collectList()
                .map(views -> Map.of("keys", views));
    }

    @GetMapping("/{id}")
    public Mono<SelfKeyView> get(PortalUser user, @PathVariable String id) {
        return keys.get(user, requireId(id)).flatMap(this::view);
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    public Mono<ResponseEntity<SelfKeyView>> create(
            PortalUser user, @Valid @RequestBody SelfKeyRequest body, ServerWebExchange exchange) {
        if (body.expiresAt() != null && body.ttl() != null) {
            throw ProblemException.invalid("ttl", "give either expiresAt or ttl, not both");
        }
        Instant expiresAt =
                body.ttl() != null ? clock.instant().plus(body.ttl()) : body.expiresAt();
        KeyDraft draft =
                new KeyDraft(
                        body.name(),
                        expiresAt,
                        body.scopes(),
                        body.organizations(),
                        body.ttl() != null ? "ttl" : "expiresAt");
        return keys.create(user, RequestIdWebFilter.requestId(exchange), draft)
                .map(
                        minted ->
                                ResponseEntity.status(HttpStatus.CREATED)
                                        .location(
                                                URI.create("/v1/self/keys/" + minted.record().id()))
                                        .cacheControl(CacheControl.noStore())
                                        .body(minted(minted)));
    }

    /**
     * Regenerates the key: the answer carries the new key, shown once; the old one stops at once,
     * or after {@code gracePeriod} (at most the portal's max-grace-period).
     */
    @PostMapping("/{id}/rotate")
    public Mono<ResponseEntity<SelfKeyView>> rotate(
            PortalUser user,
            @PathVariable String id,
            @RequestBody(required = false) RotateRequest body,
            ServerWebExchange exchange) {
        Duration grace = body == null ? null : body.gracePeriod();
        return keys.regenerate(user, RequestIdWebFilter.requestId(exchange), requireId(id), grace)
                .map(
                        minted ->
                                ResponseEntity.ok()
                                        .cacheControl(CacheControl.noStore())
                                        .body(minted(minted)));
    }

    /**
     * The body of a rotation, optional.
     *
     * @param gracePeriod how long the current key keeps working (ISO-8601 duration); none when left
     *     out
     */
    public record RotateRequest(Duration gracePeriod) {}

    @DeleteMapping("/{id}")
    public Mono<ResponseEntity<Void>> remove(
            PortalUser user, @PathVariable String id, ServerWebExchange exchange) {
        return keys.remove(user, RequestIdWebFilter.requestId(exchange), requireId(id))
                .map(removed -> ResponseEntity.noContent().build());
    }

    private SelfKeyView minted(MintedKey minted) {
        return SelfKeyView.of(minted.record(), null, clock.instant(), format, minted.secret());
    }

    private Mono<SelfKeyView> view(KeyRecord record) {
        return usage.summary(record)
                .map(
                        summary ->
                                SelfKeyView.of(
                                        record,
                                        summary.lastUsedAt(),
                                        clock.instant(),
                                        format,
                                        null));
    }

    private static String requireId(String id) {
        if (!ApiKeyFormat.isWellFormedId(id)) {
            throw ProblemException.notFound("you have no key with id '" + id + "'");
        }
        return id;
    }
}
