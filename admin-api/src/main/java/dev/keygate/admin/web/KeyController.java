package dev.keygate.admin.web;

import dev.keygate.admin.idempotency.IdempotencyStore;
import dev.keygate.admin.idempotency.IdempotentRequest;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.propagation.PropagationReceipt;
import dev.keygate.admin.propagation.PropagationTracker;
import dev.keygate.admin.service.ChangeOutcome;
import dev.keygate.admin.service.KeyAdminService;
import dev.keygate.admin.service.KeyAdminService.Caller;
import dev.keygate.admin.service.KeyAnswer;
import dev.keygate.admin.service.KeyUsageService;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.ReplicaAcknowledgement;
import dev.keygate.core.store.WrittenKey;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code /v1/keys}: create, read, list, rotate (and end a grace), update and remove keys, and read
 * their recorded usage ({@link KeyUsageService}). Thin: bodies bind to the request records and are
 * checked with {@code @Valid}, parameters bind typed and are checked by method validation (refusals
 * are problems, see {@code ProblemAdvice}); every decision about keys is in {@link
 * KeyAdminService}, whose core types this class maps to {@link KeyView}s. Authentication happened
 * before (the admin security chain), and the admin arrives in the {@link Caller} ({@link
 * CallerArgumentResolver}). Answers that carry a full key are marked {@code Cache-Control:
 * no-store}. Stateless and thread-safe; handlers run on the event loop and never block.
 */
@RestController
@RequestMapping(path = "/v1/keys", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "keys")
@SecurityRequirement(name = "adminToken")
public class KeyController {

    /** The replicas a change waited for ({@code keygate.admin.durability.wait-for-replicas}). */
    public static final String REPLICAS_REQUIRED_HEADER = "Keygate-Replicas-Required";

    /** The replicas that confirmed the change within {@code wait-timeout}. */
    public static final String REPLICAS_ACKNOWLEDGED_HEADER = "Keygate-Replicas-Acknowledged";

    /** Days of {@code GET /v1/keys/{id}/usage} without {@code from}. */
    static final int DEFAULT_USAGE_DAYS = 30;

    private static final java.util.regex.Pattern IDEMPOTENCY_KEY =
            java.util.regex.Pattern.compile(InputLimits.IDEMPOTENCY_KEY);

    private final KeyAdminService service;
    private final KeyUsageService usage;
    private final KeyAnswer<KeyView> answer = new KeyAnswer<>(KeyView.class, this::minted);
    private final ApiKeyFormat format;
    private final Clock clock;
    private final ObjectMapper json;
    private final PropagationTracker propagation;

    public KeyController(
            KeyAdminService service,
            KeyUsageService usage,
            ApiKeyFormat format,
            Clock clock,
            ObjectMapper json,
            PropagationTracker propagation) {
        this.service = Objects.requireNonNull(service, "service");
        this.usage = Objects.requireNonNull(usage, "usage");
        this.propagation = Objects.requireNonNull(propagation, "propagation");
        this.format = Objects.requireNonNull(format, "format");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.json = Objects.requireNonNull(json, "json");
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "Create a key",
            description = "Answers 201 with the key record and the full key, shown this once.")
    @ApiResponse(responseCode = "201", description = "Created")
    public Mono<ResponseEntity<KeyView>> create(
            @Valid @RequestBody CreateKeyRequest body,
            @Parameter(description = "Makes retries safe for the idempotency window")
                    @RequestHeader(name = IdempotencyStore.HEADER, required = false)
                    String idempotencyKey,
            @Parameter(description = "false: answer at once, without waiting for the gateways")
                    @RequestParam(name = PropagationHeaders.WAIT_PARAMETER, defaultValue = "true")
                    boolean wait,
            @Parameter(hidden = true) Caller caller) {
        // a refusal thrown here (the Idempotency-Key) is answered like an error signal
        return service.create(
                        caller,
                        body.toNewKey(clock.instant()),
                        idempotent(idempotencyKey, "POST /v1/keys", body),
                        answer)
                .flatMap(
                        outcome ->
                                propagation
                                        .receipt(outcome.epoch(), wait)
                                        .map(
                                                receipt ->
                                                        changed(
                                                                        HttpStatus.CREATED,
                                                                        outcome,
                                                                        receipt)
                                                                .location(
                                                                        URI.create(
                                                                                "/v1/keys/"
                                                                                        + outcome.value()
                                                                                                .id()))
                                                                .body(
                                                                        outcome.value()
                                                                                .withPropagation(
                                                                                        receipt))));
    }

    @GetMapping("/{id}")
    @Operation(summary = "Read a key")
    @ApiResponse(
            responseCode = "200",
            description =
                    "The key, without its secret, with the usage of its own limits and when it"
                            + " was last used (as of the gateways' last flush)")
    public Mono<KeyView> get(@PathVariable String id) {
        return Mono.defer(() -> service.get(requireId(id)))
                .flatMap(
                        record ->
                                service.usage(record)
                                        .zipWith(usage.summary(record))
                                        .map(
                                                both ->
                                                        withLastUse(
                                                                view(record)
                                                                        .withUsage(
                                                                                UsageView.of(
                                                                                        both
                                                                                                .getT1())),
                                                                both.getT2())));
    }

    private static KeyView withLastUse(KeyView view, KeyUsageService.Summary summary) {
        List<KeyView.ScopeUseView> used =
                summary.usedScopes().entrySet().stream()
                        .map(use -> new KeyView.ScopeUseView(use.getKey(), use.getValue()))
                        .toList();
        return view.withLastUse(
                summary.lastUsedAt(),
                summary.previousKeyLastUsedAt(),
                used,
                summary.unusedScopes());
    }

    @GetMapping("/{id}/usage")
    @Operation(
            summary = "Read a key's daily request counts",
            description =
                    "UTC days from from through to (default: the last 30 days ending today), both"
                            + " within the usage retention; days without requests are left out."
                            + " As of the gateways' last flush.")
    @ApiResponse(responseCode = "200", description = "The days with requests, in date order")
    public Mono<DailyUsageView> usage(
            @PathVariable String id,
            @Parameter(description = "first UTC day, ISO date; default 29 days before to")
                    @RequestParam(required = false)
                    @DateTimeFormat(iso = DateTimeFormat.ISO.DATE)
                    LocalDate from,
            @Parameter(description = "last UTC day, ISO date; default today")
                    @RequestParam(required = false)
                    @DateTimeFormat(iso = DateTimeFormat.ISO.DATE)
                    LocalDate to) {
        return Mono.defer(
                () -> {
                    String key = requireId(id);
                    LocalDate today = usage.today();
                    LocalDate last = to == null ? today : to;
                    LocalDate first = from == null ? last.minusDays(DEFAULT_USAGE_DAYS - 1) : from;
                    LocalDate oldest = today.minusDays(usage.retentionDays() - 1);
                    if (first.isAfter(last)) {
                        throw ProblemException.invalid(
                                "from", "must not be after to (" + last + ")");
                    }
                    if (last.isAfter(today)) {
                        throw ProblemException.invalid(
                                "to", "must not be after today (" + today + ")");
                    }
                    if (first.isBefore(oldest)) {
                        throw ProblemException.invalid(
                                "from",
                                "must be within the usage retention of "
                                        + usage.retentionDays()
                                        + " days, not before "
                                        + oldest);
                    }
                    return service.get(key)
                            .flatMap(record -> usage.days(record, first, last))
                            .map(DailyUsageView::of);
                });
    }

    @GetMapping
    @Operation(summary = "List an owner's keys", description = "Cursor-paged, in id order.")
    @ApiResponse(responseCode = "200", description = "One page")
    public Mono<KeyPageView> list(
            @RequestParam @Pattern(regexp = InputLimits.OWNER, message = InputLimits.OWNER_RULE)
                    String owner,
            @Parameter(description = "1-500, default 50")
                    @RequestParam(defaultValue = "" + InputLimits.DEFAULT_PAGE_SIZE)
                    @Min(1)
                    @Max(InputLimits.MAX_PAGE_SIZE)
                    int limit,
            @Parameter(description = "nextCursor of the previous page")
                    @RequestParam(required = false)
                    @Pattern(
                            regexp = InputLimits.KEY_ID_OR_EMPTY,
                            message = "is not a cursor this API handed out")
                    String cursor,
            @Parameter(
                            description =
                                    "only keys not used for at least this long (ISO-8601 period"
                                            + " or duration, e.g. P90D); a key never used counts"
                                            + " from its creation. Pages keep their cursor: one"
                                            + " may hold fewer keys than limit, even none, while"
                                            + " nextCursor is present")
                    @RequestParam(required = false)
                    String unusedFor) {
        Duration idle = unusedFor == null ? null : positiveDuration("unusedFor", unusedFor);
        return service.list(owner, emptyToNull(cursor), limit)
                .flatMap(
                        page ->
                                (idle == null
                                                ? Mono.just(page.keys())
                                                : usage.idle(owner, page.keys(), idle))
                                        .map(
                                                keys ->
                                                        new KeyPageView(
                                                                keys.stream()
                                                                        .map(this::view)
                                                                        .toList(),
                                                                page.nextCursor())));
    }

    /** An ISO-8601 period (P90D) or duration (PT12H), positive. */
    static Duration positiveDuration(String field, String value) {
        Duration duration;
        try {
            duration =
                    value.contains("T") || value.contains("t")
                            ? Duration.parse(value)
                            : days(Period.parse(value));
        } catch (DateTimeParseException | ArithmeticException e) {
            throw ProblemException.invalid(
                    field, "must be an ISO-8601 period or duration such as P90D");
        }
        if (duration.isNegative() || duration.isZero()) {
            throw ProblemException.invalid(field, "must be positive");
        }
        return duration;
    }

    private static Duration days(Period period) {
        if (period.getYears() != 0 || period.getMonths() != 0) {
            // months and years have no fixed length: counted as 30 and 365 days
            return Duration.ofDays(
                    Math.addExact(
                            Math.addExact(
                                    Math.multiplyExact(period.getYears(), 365L),
                                    Math.multiplyExact(period.getMonths(), 30L)),
                            period.getDays()));
        }
        return Duration.ofDays(period.getDays());
    }

    @PostMapping("/{id}/rotate/complete")
    @Operation(
            summary = "End a rotation's grace period now",
            description =
                    "The replaced key stops working at once. 409 no-grace-period when the key is"
                            + " not in a rotation's grace.")
    @ApiResponse(responseCode = "200", description = "The key after the change")
    public Mono<ResponseEntity<KeyView>> completeRotation(
            @PathVariable String id,
            @Parameter(description = "false: answer at once, without waiting for the gateways")
                    @RequestParam(name = PropagationHeaders.WAIT_PARAMETER, defaultValue = "true")
                    boolean wait,
            @Parameter(hidden = true) Caller caller) {
        return Mono.defer(() -> service.completeRotation(caller, requireId(id)))
                .flatMap(outcome -> changedRecord(outcome, wait));
    }

    @PostMapping("/{id}/rotate")
    @Operation(
            summary = "Rotate a key's secret",
            description =
                    "Answers 200 with the new full key, shown this once. With a gracePeriod the"
                            + " replaced key keeps working until then.")
    @ApiResponse(responseCode = "200", description = "Rotated")
    public Mono<ResponseEntity<KeyView>> rotate(
            @PathVariable String id,
            @Valid @RequestBody(required = false) RotateKeyRequest body,
            @Parameter(description = "Makes retries safe for the idempotency window")
                    @RequestHeader(name = IdempotencyStore.HEADER, required = false)
                    String idempotencyKey,
            @Parameter(description = "false: answer at once, without waiting for the gateways")
                    @RequestParam(name = PropagationHeaders.WAIT_PARAMETER, defaultValue = "true")
                    boolean wait,
            @Parameter(hidden = true) Caller caller) {
        String key = requireId(id);
        return service.rotate(
                        caller,
                        key,
                        RotateKeyRequest.gracePeriodOf(body),
                        idempotent(idempotencyKey, "POST /v1/keys/" + key + "/rotate", body),
                        answer)
                .flatMap(
                        outcome ->
                                propagation
                                        .receipt(outcome.epoch(), wait)
                                        .map(
                                                receipt ->
                                                        changed(HttpStatus.OK, outcome, receipt)
                                                                .body(
                                                                        outcome.value()
                                                                                .withPropagation(
                                                                                        receipt))));
    }

    @PatchMapping(
            path = "/{id}",
            consumes = {MediaType.APPLICATION_JSON_VALUE, "application/merge-patch+json"})
    @Operation(summary = "Change a key", description = "Only the properties present change.")
    @ApiResponse(responseCode = "200", description = "The key after the change")
    public Mono<ResponseEntity<KeyView>> update(
            @PathVariable String id,
            @Valid @RequestBody UpdateKeyRequest body,
            @Parameter(description = "false: answer at once, without waiting for the gateways")
                    @RequestParam(name = PropagationHeaders.WAIT_PARAMETER, defaultValue = "true")
                    boolean wait,
            @Parameter(hidden = true) Caller caller) {
        return Mono.defer(() -> service.update(caller, requireId(id), body.toKeyUpdate()))
                .flatMap(outcome -> changedRecord(outcome, wait));
    }

    @DeleteMapping("/{id}")
    @Operation(summary = "Remove a key", description = "It stops working at once.")
    @ApiResponse(responseCode = "204", description = "Removed")
    public Mono<ResponseEntity<Void>> remove(
            @PathVariable String id,
            @Parameter(description = "false: answer at once, without waiting for the gateways")
                    @RequestParam(name = PropagationHeaders.WAIT_PARAMETER, defaultValue = "true")
                    boolean wait,
            @Parameter(hidden = true) Caller caller) {
        return Mono.defer(() -> service.remove(caller, requireId(id)))
                .flatMap(
                        outcome ->
                                propagation
                                        .receipt(outcome.epoch(), wait)
                                        .map(
                                                receipt ->
                                                        ResponseEntity.noContent()
                                                                .headers(
                                                                        headers ->
                                                                                changeHeaders(
                                                                                        headers,
                                                                                        outcome,
                                                                                        receipt))
                                                                .build()));
    }

    /**
     * The answer to a change that mints no key (update, and every change of that kind added later):
     * the record after the change, its replicas and its propagation receipt.
     */
    private Mono<ResponseEntity<KeyView>> changedRecord(
            ChangeOutcome<KeyRecord> outcome, boolean wait) {
        return propagation
                .receipt(outcome.epoch(), wait)
                .map(
                        receipt ->
                                ResponseEntity.ok()
                                        .headers(
                                                headers -> changeHeaders(headers, outcome, receipt))
                                        .body(view(outcome.value()).withPropagation(receipt)));
    }

    private static void changeHeaders(
            HttpHeaders headers, ChangeOutcome<?> outcome, PropagationReceipt receipt) {
        replicas(headers, outcome.replicas());
        PropagationHeaders.write(headers, receipt);
    }

    private KeyView view(KeyRecord record) {
        return KeyView.of(record, format, clock.instant());
    }

    /** The answer to a create or rotation: the written record as of now, with the full key. */
    private KeyView minted(WrittenKey written) {
        return view(written.record()).withKey(written.key());
    }

    private static ResponseEntity.BodyBuilder changed(
            HttpStatus status, ChangeOutcome<KeyView> outcome, PropagationReceipt receipt) {
        ResponseEntity.BodyBuilder builder =
                ResponseEntity.status(status).cacheControl(CacheControl.noStore());
        if (outcome.replayed()) {
            builder.header(IdempotencyStore.REPLAYED_HEADER, "true");
        }
        return builder.headers(headers -> changeHeaders(headers, outcome, receipt));
    }

    /**
     * With {@code keygate.admin.durability.wait-for-replicas} set, every change says how many
     * replicas confirmed it; fewer than required is not an error (the change is made and
     * announced), but a failover before they catch up could undo it.
     */
    private static void replicas(HttpHeaders headers, ReplicaAcknowledgement replicas) {
        if (replicas.requested()) {
            headers.set(REPLICAS_REQUIRED_HEADER, Integer.toString(replicas.required()));
            headers.set(REPLICAS_ACKNOWLEDGED_HEADER, Integer.toString(replicas.acknowledged()));
        }
    }

    /**
     * The request as the idempotency store sees it: the {@code Idempotency-Key} (checked here, not
     * by method validation, so that the body keeps its own binding result) and a fingerprint of the
     * path and the body's JSON with its object keys sorted and nulls left out.
     */
    private IdempotentRequest idempotent(String idempotencyKey, String path, Object body) {
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw ProblemException.invalid(
                    IdempotencyStore.HEADER,
                    "must be 1-"
                            + InputLimits.MAX_IDEMPOTENCY_KEY_LENGTH
                            + " visible ASCII characters (a UUID is a good choice)");
        }
        String canonical =
                body == null
                        ? ""
                        : json.writeValueAsString(canonical(json.convertValue(body, Object.class)));
        return new IdempotentRequest(idempotencyKey, IdempotencyStore.fingerprint(path, canonical));
    }

    private static Object canonical(Object value) {
        if (value instanceof Map<?, ?> map) {
            TreeMap<String, Object> sorted = new TreeMap<>();
            map.forEach(
                    (k, v) -> {
                        if (v != null) {
                            sorted.put(String.valueOf(k), canonical(v));
                        }
                    });
            return sorted;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(KeyController::canonical).toList();
        }
        return value;
    }

    /**
     * A key id from the path. A malformed id cannot exist, so it is "not found" without asking the
     * store.
     */
    static String requireId(String id) {
        if (!ApiKeyFormat.isWellFormedId(id)) {
            String printable = id.replaceAll("[^\\x20-\\x7e]", "?");
            throw ProblemException.notFound(
                    "no key with id '"
                            + (printable.length() > 40
                                    ? printable.substring(0, 40) + "..."
                                    : printable)
                            + "'");
        }
        return id;
    }

    static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
