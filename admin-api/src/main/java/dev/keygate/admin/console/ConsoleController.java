package dev.keygate.admin.console;

import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.admin.config.AdminProperties;
import dev.keygate.admin.idempotency.IdempotentRequest;
import dev.keygate.admin.pages.GraceChoices;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.propagation.GatewaysView;
import dev.keygate.admin.propagation.PropagationTracker;
import dev.keygate.admin.service.ChangeOutcome;
import dev.keygate.admin.service.KeyAdminService;
import dev.keygate.admin.service.KeyAdminService.Caller;
import dev.keygate.admin.service.KeyAnswer;
import dev.keygate.admin.service.KeyUsageService;
import dev.keygate.admin.web.CreateKeyRequest;
import dev.keygate.admin.web.InputLimits;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.core.store.KeyPage;
import dev.keygate.core.store.KeyUpdate;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.reactive.result.view.Rendering;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The operator console's pages, {@code /console}: find keys (by owner, id or the {@code kg_<id>}
 * start pasted from a log), a key's page with its audit trail and every action, the create and edit
 * forms, the gateways, the audit trail. Server-rendered (Thymeleaf); every page works without
 * JavaScript except the copy button. Every change is a POST with a CSRF token, made by an {@code
 * admin} (the security chain refuses {@code read-only}), through the same {@link KeyAdminService}
 * as the API, and shows its propagation receipt. A full key is rendered once, in the answer to the
 * POST that made it, {@code Cache-Control: no-store}. Form input is checked with the API's own
 * constraints ({@link ConsoleKeyForm}); refusals are shown next to their fields, with what was
 * typed kept. Stateless and thread-safe; never blocks.
 */
@Controller
@RequestMapping("/console")
public class ConsoleController {

    /** Keys per page of an owner's list. */
    static final int PAGE_SIZE = 25;

    /** Audit events a page shows. */
    static final int AUDIT_EVENTS = 50;

    private static final IdempotentRequest NO_IDEMPOTENCY =
            new IdempotentRequest(null, new byte[0]);

    /** What {@code ?changed=} may say after a change (anything else is not shown). */
    private static final Map<String, String> CHANGES =
            Map.of(
                    "updated", "The key was updated.",
                    "enabled", "The key was enabled.",
                    "disabled", "The key was disabled: it stops working at once.",
                    "rotation-completed", "The grace period ended: the previous key stops working.",
                    "removed", "The key was removed: it stops working at once.");

    private final KeyAdminService service;
    private final KeyUsageService usage;
    private final PropagationTracker propagation;
    private final ApiKeyFormat format;
    private final AdminProperties properties;
    private final Validator validator;
    private final Clock clock;
    private final Pattern keyReference;
    private final KeyAnswer<Minted> minted =
            new KeyAnswer<>(Minted.class, written -> new Minted(written.record(), written.key()));

    public ConsoleController(
            KeyAdminService service,
            KeyUsageService usage,
            PropagationTracker propagation,
            ApiKeyFormat format,
            AdminProperties properties,
            Validator validator,
            Clock clock) {
        this.service = Objects.requireNonNull(service, "service");
        this.usage = Objects.requireNonNull(usage, "usage");
        this.propagation = Objects.requireNonNull(propagation, "propagation");
        this.format = Objects.requireNonNull(format, "format");
        this.properties = Objects.requireNonNull(properties, "properties");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.keyReference =
                Pattern.compile(
                        "^(?:"
                                + Pattern.quote(format.prefix())
                                + "_)?([A-Za-z0-9]{"
                                + ApiKeyFormat.ID_LENGTH
                                + "})(?:_.*)?$");
    }

    /**
     * A key just created or rotated, with its full key: rendered once. {@link #toString()} never
     * shows the key.
     */
    record Minted(KeyRecord record, String key) {
        @Override
        public String toString() {
            return "Minted[id=" + record.id() + ", key=<redacted>]";
        }
    }

    @GetMapping({"", "/"})
    public Rendering home() {
        return Rendering.redirectTo("/console/keys").build();
    }

    @GetMapping("/sign-in")
    public Rendering signIn(ServerWebExchange exchange) {
        // ?error and ?signed-out carry no value
        var query = exchange.getRequest().getQueryParams();
        return Rendering.view("console/sign-in")
                .modelAttribute("failed", query.containsKey("error"))
                .modelAttribute("signedOut", query.containsKey("signed-out"))
                .build();
    }

    /**
     * Keys found by {@code q}: a key id or a key's start ({@code kg_<id>}; a whole key pasted by
     * mistake is cut to its start and never shown), else an owner, whose keys are listed a page at
     * a time.
     */
    @GetMapping("/keys")
    public Mono<Rendering> keys(
            @RequestParam(name = "q", required = false) String q,
            @RequestParam(name = "cursor", required = false) String cursor,
            @RequestParam(name = "invalid", required = false) String invalid,
            @RequestParam(name = "changed", required = false) String changed,
            @RequestParam(name = "epoch", required = false) String epoch) {
        String query = q == null ? "" : q.strip();
        Matcher reference = keyReference.matcher(query);
        Mono<Map<String, Object>> page;
        if (query.isEmpty()) {
            Map<String, Object> model = list(query, List.of(), null);
            if (invalid != null) {
                model.put(
                        "searchError",
                        "Not a key id, a key's start or an owner: " + InputLimits.OWNER_RULE);
            }
            page = Mono.just(model);
        } else if (reference.matches()) {
            String id = reference.group(1);
            String shown = format.visiblePart(id);
            page =
                    service.get(id)
                            .flatMap(this::view)
                            .map(key -> list(shown, List.of(key), null))
                            .onErrorResume(
                                    ProblemException.class,
                                    notFound -> byOwner(query.contains("_") ? shown : query, null));
        } else if (cursor != null && !ApiKeyFormat.isWellFormedId(cursor)) {
            Map<String, Object> model = list(query, List.of(), null);
            model.put("searchError", "That page link is not valid: search again.");
            page = Mono.just(model);
        } else {
            page = byOwner(query, cursor);
        }
        return page.flatMap(model -> withReceipt(model, changed, epoch))
                .map(model -> Rendering.view("console/keys").model(model).build());
    }

    /**
     * The search form posts here, so what was pasted (possibly a whole key) never travels in a URL,
     * a browser history or a Referer; the answer redirects to the search by the key's start or by
     * the owner.
     */
    @PostMapping("/keys/search")
    public Mono<Rendering> search(ServerWebExchange exchange) {
        return exchange.getFormData()
                .map(
                        form -> {
                            String q = form.getFirst("q") == null ? "" : form.getFirst("q").strip();
                            Matcher reference = keyReference.matcher(q);
                            String normal =
                                    reference.matches()
                                            ? format.visiblePart(reference.group(1))
                                            : q.matches(InputLimits.OWNER) ? q : "";
                            if (normal.isEmpty() && !q.isEmpty()) {
                                return Rendering.redirectTo("/console/keys?invalid=1").build();
                            }
                            return Rendering.redirectTo(
                                            UriComponentsBuilder.fromPath("/console/keys")
                                                    .queryParam("q", normal)
                                                    .build()
                                                    .encode()
                                                    .toUriString())
                                    .build();
                        });
    }

    private Mono<Map<String, Object>> byOwner(String owner, String cursor) {
        if (!owner.matches(InputLimits.OWNER)) {
            // not echoed: it may be a key of another format, secret included
            Map<String, Object> model = list("", List.of(), null);
            model.put(
                    "searchError",
                    "Not a key id, a key's start or an owner: " + InputLimits.OWNER_RULE);
            return Mono.just(model);
        }
        return service.list(owner, cursor, PAGE_SIZE)
                .flatMap(
                        (KeyPage found) ->
                                Flux.fromIterable(found.keys())
                                        .flatMapSequential(this::view)
                                        .collectList()
                                        .map(
                                                keys ->
                                                        list(
                                                                owner,
                                                                keys,
                                                                found.nextCursor() == null
                                                                        ? null
                                                                        : UriComponentsBuilder
                                                                                .fromPath(
                                                                                        "/console/keys")
                                                                                .queryParam(
                                                                                        "q", owner)
                                                                                .queryParam(
                                                                                        "cursor",
                                                                                        found
                                                                                                .nextCursor())
                                                                                .build()
                                                                                .encode()
                                                                                .toUriString())));
    }

    private static Map<String, Object> list(String q, List<ConsoleKey> keys, String next) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("q", q);
        model.put("keys", keys);
        model.put("next", next == null ? "" : next);
        model.put("searched", !q.isEmpty());
        return model;
    }

    @GetMapping("/keys/{id}")
    public Mono<Rendering> key(
            @PathVariable String id,
            @RequestParam(name = "changed", required = false) String changed,
            @RequestParam(name = "epoch", required = false) String epoch) {
        return record(id)
                .flatMap(
                        record ->
                                Mono.zip(view(record), service.audit(id, null, AUDIT_EVENTS))
                                        .map(
                                                both -> {
                                                    Map<String, Object> model =
                                                            new LinkedHashMap<>();
                                                    model.put("key", both.getT1());
                                                    model.put("events", AuditRow.of(both.getT2()));
                                                    model.put("graceOptions", graceOptions());
                                                    return model;
                                                }))
                .flatMap(model -> withReceipt(model, changed, epoch))
                .map(model -> Rendering.view("console/key").model(model).build());
    }

    @GetMapping("/keys/new")
    public Rendering newKey(@RequestParam(name = "owner", required = false) String owner) {
        ConsoleKeyForm form = new ConsoleKeyForm();
        form.setOwner(owner);
        return keyForm(form, null, HttpStatus.OK);
    }

    @PostMapping("/keys")
    public Mono<Rendering> create(
            @ModelAttribute("form") ConsoleKeyForm form, BindingResult result, Caller caller) {
        CreateKeyRequest request = checked(form, result);
        if (result.hasErrors()) {
            return Mono.just(keyForm(form, null, HttpStatus.BAD_REQUEST));
        }
        return service.create(caller, request.toNewKey(clock.instant()), NO_IDEMPOTENCY, minted)
                .flatMap(outcome -> secret(outcome, "created"));
    }

    @GetMapping("/keys/{id}/edit")
    public Mono<Rendering> edit(@PathVariable String id) {
        return record(id).map(record -> keyForm(ConsoleKeyForm.of(record), record, HttpStatus.OK));
    }

    @PostMapping("/keys/{id}/edit")
    public Mono<Rendering> update(
            @PathVariable String id,
            @ModelAttribute("form") ConsoleKeyForm form,
            BindingResult result,
            Caller caller) {
        return record(id)
                .flatMap(
                        record -> {
                            form.setOwner(record.owner());
                            // the form shows the day only: an unchanged day keeps the exact
                            // instant (and is not validated again, so an expired key can be edited)
                            java.time.LocalDate day = form.getExpiresOn();
                            boolean expiryUnchanged =
                                    Objects.equals(day, ConsoleKeyForm.day(record.expiresAt()));
                            if (expiryUnchanged) {
                                form.setExpiresOn(null);
                            }
                            CreateKeyRequest request = checked(form, result);
                            form.setExpiresOn(day);
                            if (result.hasErrors()) {
                                return Mono.just(keyForm(form, record, HttpStatus.BAD_REQUEST));
                            }
                            var key = request.toNewKey(clock.instant());
                            KeyUpdate update =
                                    KeyUpdate.none()
                                            .withName(key.name() == null ? "" : key.name())
                                            .withScopes(key.scopes())
                                            .withOrganizations(key.organizations())
                                            .withExpiresAt(
                                                    expiryUnchanged
                                                            ? null
                                                            : Optional.ofNullable(key.expiresAt()))
                                            .withRateLimit(
                                                    Optional.ofNullable(key.limits().rateLimit()))
                                            .withQuota(Optional.ofNullable(key.limits().quota()));
                            return service.update(caller, id, update)
                                    .map(outcome -> changed(id, "updated", outcome));
                        });
    }

    /**
     * The grace comes from the form's {@code gracePeriod} (form data, which {@code @RequestParam}
     * does not read in WebFlux).
     */
    @PostMapping("/keys/{id}/rotate")
    public Mono<Rendering> rotate(
            @PathVariable String id, Caller caller, ServerWebExchange exchange) {
        return exchange.getFormData()
                .flatMap(
                        form -> {
                            String value = form.getFirst("gracePeriod");
                            Duration grace;
                            try {
                                grace =
                                        Duration.parse(
                                                value == null || value.isBlank() ? "PT0S" : value);
                            } catch (DateTimeParseException unreadable) {
                                return Mono.error(
                                        ProblemException.invalid(
                                                "gracePeriod",
                                                "must be an ISO-8601 duration such as PT1H"));
                            }
                            if (grace.isNegative()
                                    || grace.compareTo(properties.maxGracePeriod()) > 0) {
                                return Mono.error(
                                        ProblemException.invalid(
                                                "gracePeriod",
                                                "must be between PT0S and "
                                                        + properties.maxGracePeriod()));
                            }
                            return service.rotate(
                                            caller, requireId(id), grace, NO_IDEMPOTENCY, minted)
                                    .flatMap(outcome -> secret(outcome, "rotated"));
                        });
    }

    @PostMapping("/keys/{id}/complete-rotation")
    public Mono<Rendering> completeRotation(@PathVariable String id, Caller caller) {
        return service.completeRotation(caller, requireId(id))
                .map(outcome -> changed(id, "rotation-completed", outcome));
    }

    @PostMapping("/keys/{id}/enable")
    public Mono<Rendering> enable(@PathVariable String id, Caller caller) {
        return service.update(caller, requireId(id), KeyUpdate.none().withEnabled(true))
                .map(outcome -> changed(id, "enabled", outcome));
    }

    @PostMapping("/keys/{id}/disable")
    public Mono<Rendering> disable(@PathVariable String id, Caller caller) {
        return service.update(caller, requireId(id), KeyUpdate.none().withEnabled(false))
                .map(outcome -> changed(id, "disabled", outcome));
    }

    @GetMapping("/keys/{id}/remove")
    public Mono<Rendering> confirmRemove(@PathVariable String id) {
        return record(id)
                .flatMap(this::view)
                .map(key -> Rendering.view("console/remove").modelAttribute("key", key).build());
    }

    @PostMapping("/keys/{id}/remove")
    public Mono<Rendering> remove(@PathVariable String id, Caller caller) {
        return service.remove(caller, requireId(id))
                .map(
                        outcome ->
                                Rendering.redirectTo(
                                                UriComponentsBuilder.fromPath("/console/keys")
                                                        .queryParam("q", outcome.value().owner())
                                                        .queryParam("changed", "removed")
                                                        .queryParam("epoch", outcome.epoch())
                                                        .build()
                                                        .encode()
                                                        .toUriString())
                                        .build());
    }

    @GetMapping("/gateways")
    public Mono<Rendering> gateways() {
        return propagation
                .fleet()
                .map(GatewaysView::of)
                .map(
                        view ->
                                Rendering.view("console/gateways")
                                        .modelAttribute("fleet", GatewayRow.of(view))
                                        .modelAttribute("epoch", view.epoch())
                                        .build());
    }

    @GetMapping("/audit")
    public Mono<Rendering> audit(
            @RequestParam(name = "keyId", required = false) String keyId,
            @RequestParam(name = "owner", required = false) String owner,
            @RequestParam(name = "actor", required = false) String actor) {
        String key = blankToNull(keyId);
        String who = blankToNull(owner);
        String by = blankToNull(actor);
        List<String> errors = new ArrayList<>();
        if (key != null && !ApiKeyFormat.isWellFormedId(key)) {
            errors.add("Key id: must be 11 letters and digits");
        }
        if (who != null && !who.matches(InputLimits.OWNER)) {
            errors.add("Owner: " + InputLimits.OWNER_RULE);
        }
        Mono<List<AuditEvent>> events =
                errors.isEmpty()
                        // the actor is filtered here, over the newest events of the other filters
                        ? service.audit(
                                        key,
                                        who,
                                        by == null ? AUDIT_EVENTS : InputLimits.MAX_PAGE_SIZE)
                                .map(
                                        found ->
                                                found.stream()
                                                        .filter(
                                                                e ->
                                                                        by == null
                                                                                || by.equals(
                                                                                        e.actor()))
                                                        .limit(AUDIT_EVENTS)
                                                        .toList())
                        : Mono.just(List.of());
        return events.map(
                found ->
                        Rendering.view("console/audit")
                                .modelAttribute("events", AuditRow.of(found))
                                .modelAttribute("keyId", keyId == null ? "" : keyId)
                                .modelAttribute("owner", owner == null ? "" : owner)
                                .modelAttribute("actor", actor == null ? "" : actor)
                                .modelAttribute("filterErrors", errors)
                                .build());
    }

    private Mono<KeyRecord> record(String id) {
        return Mono.defer(() -> service.get(requireId(id)));
    }

    private Mono<ConsoleKey> view(KeyRecord record) {
        return usage.summary(record)
                .map(
                        summary ->
                                ConsoleKey.of(
                                        record, summary.lastUsedAt(), clock.instant(), format));
    }

    private Rendering keyForm(ConsoleKeyForm form, KeyRecord editing, HttpStatus status) {
        return Rendering.view("console/key-form")
                .modelAttribute("form", form)
                .modelAttribute(
                        "editing",
                        editing == null
                                ? null
                                : ConsoleKey.of(editing, null, clock.instant(), format))
                .status(status)
                .build();
    }

    /**
     * The API's request for the form, validated with the API's constraints; every violation is
     * rejected on the form's field, so the page shows it there.
     */
    private CreateKeyRequest checked(ConsoleKeyForm form, BindingResult result) {
        CreateKeyRequest request = form.toRequest();
        if (form.ratePerUnreadable()) {
            result.rejectValue("ratePer", "invalid", "must be an ISO-8601 duration such as PT1S");
        }
        Set<String> seen = new LinkedHashSet<>();
        boolean ownerMissing = request.owner() == null || request.owner().isBlank();
        for (ConstraintViolation<CreateKeyRequest> violation : validator.validate(request)) {
            String field = ConsoleKeyForm.field(violation.getPropertyPath().toString());
            if (ownerMissing
                    && field.equals("owner")
                    && !violation.getMessage().equals("is required")) {
                continue; // "is required" says it; the owner's grammar would only add noise
            }
            if (seen.add(field + violation.getMessage())) {
                result.rejectValue(field, "invalid", violation.getMessage());
            }
        }
        return request;
    }

    private Mono<Rendering> secret(ChangeOutcome<Minted> outcome, String what) {
        return propagation
                .receipt(outcome.epoch(), true)
                .map(
                        receipt ->
                                Rendering.view("console/secret")
                                        .modelAttribute("what", what)
                                        .modelAttribute(
                                                "key",
                                                ConsoleKey.of(
                                                        outcome.value().record(),
                                                        null,
                                                        clock.instant(),
                                                        format))
                                        .modelAttribute("secret", outcome.value().key())
                                        .modelAttribute("receipt", ReceiptView.of(receipt))
                                        .header(
                                                HttpHeaders.CACHE_CONTROL,
                                                CacheControl.noStore().getHeaderValue())
                                        .header("Pragma", "no-cache")
                                        .build());
    }

    /** After a change: back to the key's page, which shows the change's receipt (PRG). */
    private static Rendering changed(String id, String what, ChangeOutcome<KeyRecord> outcome) {
        return Rendering.redirectTo(
                        UriComponentsBuilder.fromPath("/console/keys/{id}")
                                .queryParam("changed", what)
                                .queryParam("epoch", outcome.epoch())
                                .buildAndExpand(id)
                                .encode()
                                .toUriString())
                .build();
    }

    private Mono<Map<String, Object>> withReceipt(
            Map<String, Object> model, String changed, String epochText) {
        String message = changed == null ? null : CHANGES.get(changed);
        long epoch =
                epochText != null && epochText.matches("[1-9][0-9]{0,17}")
                        ? Long.parseLong(epochText)
                        : 0;
        if (message == null || epoch < 1) {
            return Mono.just(model); // a link with anything else shows no notice
        }
        return propagation
                .receipt(epoch, false)
                .map(
                        receipt -> {
                            model.put("changedMessage", message);
                            model.put("receipt", ReceiptView.of(receipt));
                            return model;
                        });
    }

    /** The grace periods a rotation offers: none, and steps up to max-grace-period. */
    private Map<String, String> graceOptions() {
        return GraceChoices.of(
                List.of(
                        Duration.ofMinutes(10),
                        Duration.ofHours(1),
                        Duration.ofDays(1),
                        Duration.ofDays(7)),
                properties.maxGracePeriod(),
                "none: the current key stops at once",
                "keep the current key for");
    }

    private static String requireId(String id) {
        if (!ApiKeyFormat.isWellFormedId(id)) {
            throw ProblemException.notFound("No key has this id.");
        }
        return id;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
