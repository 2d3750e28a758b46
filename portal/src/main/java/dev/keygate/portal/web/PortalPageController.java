package dev.keygate.portal.web;

import dev.keygate.admin.pages.GraceChoices;
import dev.keygate.admin.problem.Problem;
import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.problem.ProblemType;
import dev.keygate.admin.service.KeyUsageService;
import dev.keygate.admin.web.RequestIdWebFilter;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.KeyRecord;
import dev.keygate.portal.config.PortalProperties;
import dev.keygate.portal.keys.KeyDraft;
import dev.keygate.portal.keys.MintedKey;
import dev.keygate.portal.keys.SelfServiceKeys;
import dev.keygate.portal.user.PortalUser;
import dev.keygate.portal.user.PortalUsers;
import jakarta.validation.Valid;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.util.MultiValueMap;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.reactive.result.view.Rendering;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The portal's pages: the user's keys, the new-key form, the page that shows a new key once, and
 * the confirmations before a regeneration or a removal. Every change is a POST with a CSRF token
 * (Spring Security checks it before this class runs); every decision is in {@link SelfServiceKeys}.
 * A page with a full key is sent with {@code Cache-Control: no-store} and the key only in its body:
 * never in a URL, a cookie or browser storage. Errors other than the form's own are pages of {@link
 * PortalPageAdvice}. Stateless and thread-safe; never blocks.
 */
@Controller
public class PortalPageController {

    private final SelfServiceKeys keys;
    private final KeyUsageService usage;
    private final PortalProperties properties;
    private final ApiKeyFormat format;
    private final Clock clock;
    private final PortalUsers users;

    public PortalPageController(
            SelfServiceKeys keys,
            KeyUsageService usage,
            PortalProperties properties,
            ApiKeyFormat format,
            Clock clock,
            PortalUsers users) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.usage = Objects.requireNonNull(usage, "usage");
        this.properties = Objects.requireNonNull(properties, "properties");
        this.format = Objects.requireNonNull(format, "format");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.users = Objects.requireNonNull(users, "users");
    }

    /** The landing page when signed out; the user's keys when signed in. */
    @GetMapping("/")
    public Mono<Rendering> home(ServerWebExchange exchange) {
        MultiValueMap<String, String> query = exchange.getRequest().getQueryParams();
        return exchange.getPrincipal()
                .filter(Authentication.class::isInstance)
                .map(principal -> users.from((Authentication) principal))
                .flatMap(user -> keyList(user, query.containsKey("removed")))
                .switchIfEmpty(
                        Mono.fromSupplier(
                                () ->
                                        Rendering.view("portal/welcome")
                                                .modelAttribute(
                                                        "signedOut",
                                                        query.containsKey("signed-out"))
                                                .modelAttribute(
                                                        "signInFailed",
                                                        query.containsKey("sign-in-failed"))
                                                .build()));
    }

    private Mono<Rendering> keyList(PortalUser user, boolean removed) {
        Instant now = clock.instant();
        return keys.list(user)
                .flatMapIterable(list -> list)
                .flatMapSequential(record -> row(record, now))
                .collectList()
                .map(
                        rows ->
                                Rendering.view("portal/keys")
                                        .modelAttribute("keys", rows)
                                        .modelAttribute("removed", removed)
                                        .modelAttribute(
                                                "atKeyLimit",
                                                rows.size() >= properties.maxKeysPerOwner())
                                        .build());
    }

    @GetMapping("/keys/new")
    public Mono<Rendering> newKey(PortalUser user) {
        KeyForm form = new KeyForm();
        form.setExpiresOn(
                LocalDate.ofInstant(
                        clock.instant().plus(properties.proposedTtl()), ZoneOffset.UTC));
        if (form.getExpiresOn().isAfter(latestExpiry())) {
            form.setExpiresOn(latestExpiry());
        }
        return Mono.just(form(user, form, HttpStatus.OK, null));
    }

    @PostMapping("/keys")
    public Mono<Rendering> create(
            PortalUser user,
            @Valid @ModelAttribute("form") KeyForm form,
            BindingResult result,
            ServerWebExchange exchange) {
        if (result.hasErrors()) {
            return Mono.just(form(user, form, HttpStatus.BAD_REQUEST, null));
        }
        KeyDraft draft =
                new KeyDraft(
                        form.getName(),
                        form.getExpiresOn() == null
                                ? null
                                : form.getExpiresOn().atStartOfDay(ZoneOffset.UTC).toInstant(),
                        form.getScopes(),
                        form.getOrganizations(),
                        "expiresOn");
        return keys.create(user, RequestIdWebFilter.requestId(exchange), draft)
                .map(minted -> secret(minted, "created"))
                .onErrorResume(
                        ProblemException.class,
                        problem -> {
                            if (problem.type() == ProblemType.VALIDATION) {
                                for (Problem.FieldError error : fieldErrors(problem)) {
                                    result.rejectValue(error.field(), "invalid", error.detail());
                                }
                                return Mono.just(form(user, form, HttpStatus.BAD_REQUEST, null));
                            }
                            if (problem.type() == ProblemType.KEY_LIMIT_REACHED
                                    || problem.type() == ProblemType.TOO_MANY_REQUESTS) {
                                return Mono.just(
                                        form(
                                                user,
                                                form,
                                                problem.type().status(),
                                                problem.getBody().getDetail()));
                            }
                            return Mono.error(problem);
                        });
    }

    @GetMapping("/keys/{id}/regenerate")
    public Mono<Rendering> confirmRegenerate(PortalUser user, @PathVariable String id) {
        return key(user, id)
                .map(
                        row ->
                                Rendering.view("portal/regenerate")
                                        .modelAttribute("key", row)
                                        .modelAttribute("graceOptions", graceOptions())
                                        .build());
    }

    /**
     * The grace comes from the form's {@code gracePeriod} (form data, which {@code @RequestParam}
     * does not read in WebFlux); none when absent.
     */
    @PostMapping("/keys/{id}/regenerate")
    public Mono<Rendering> regenerate(
            PortalUser user, @PathVariable String id, ServerWebExchange exchange) {
        return exchange.getFormData()
                .flatMap(
                        form -> {
                            String value = form.getFirst("gracePeriod");
                            Duration grace;
                            try {
                                grace =
                                        value == null || value.isBlank()
                                                ? null
                                                : Duration.parse(value);
                            } catch (java.time.format.DateTimeParseException unreadable) {
                                return Mono.error(
                                        ProblemException.invalid(
                                                "gracePeriod", "must be an ISO-8601 duration"));
                            }
                            return keys.regenerate(
                                            user, RequestIdWebFilter.requestId(exchange), id, grace)
                                    .map(minted -> secret(minted, "regenerated"));
                        });
    }

    @GetMapping("/keys/{id}/remove")
    public Mono<Rendering> confirmRemove(PortalUser user, @PathVariable String id) {
        return key(user, id)
                .map(row -> Rendering.view("portal/remove").modelAttribute("key", row).build());
    }

    @PostMapping("/keys/{id}/remove")
    public Mono<Rendering> remove(
            PortalUser user, @PathVariable String id, ServerWebExchange exchange) {
        return keys.remove(user, RequestIdWebFilter.requestId(exchange), id)
                .map(removed -> Rendering.redirectTo("/?removed").build());
    }

    private Mono<KeyRow> key(PortalUser user, String id) {
        return keys.get(user, id).flatMap(record -> row(record, clock.instant()));
    }

    /** A key as the pages show it, with when it was last used. */
    private Mono<KeyRow> row(KeyRecord record, Instant now) {
        return usage.summary(record)
                .map(summary -> KeyRow.of(record, summary.lastUsedAt(), now, format, properties));
    }

    private Rendering secret(MintedKey minted, String what) {
        KeyRecord record = minted.record();
        return Rendering.view("portal/secret")
                .modelAttribute("what", what)
                .modelAttribute("key", KeyRow.of(record, null, clock.instant(), format, properties))
                .modelAttribute("secret", minted.secret())
                .modelAttribute("gatewayUrl", properties.gatewayUrl())
                .header(HttpHeaders.CACHE_CONTROL, CacheControl.noStore().getHeaderValue())
                .header("Pragma", "no-cache")
                .build();
    }

    private Rendering form(PortalUser user, KeyForm form, HttpStatus status, String formError) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        return Rendering.view("portal/new-key")
                .modelAttribute("form", form)
                .modelAttribute("formError", formError)
                .modelAttribute("catalogue", properties.scopes())
                .modelAttribute("organizations", user.organizations())
                .modelAttribute("earliestExpiry", today.plusDays(1))
                .modelAttribute("latestExpiry", latestExpiry())
                .modelAttribute("maxTtlDays", properties.maxTtl().toDays())
                .status(status)
                .build();
    }

    /** The last expiry date within max-ttl: a key expires at 00:00 UTC of its date. */
    private LocalDate latestExpiry() {
        return LocalDate.ofInstant(clock.instant().plus(properties.maxTtl()), ZoneOffset.UTC);
    }

    /** The grace periods a regeneration offers: none, and steps up to max-grace-period. */
    private Map<String, String> graceOptions() {
        return GraceChoices.of(
                List.of(
                        Duration.ofHours(1),
                        Duration.ofDays(1),
                        Duration.ofDays(7),
                        Duration.ofDays(30)),
                properties.maxGracePeriod(),
                "Stop the current key at once",
                "Keep the current key working for");
    }

    @SuppressWarnings("unchecked")
    private static List<Problem.FieldError> fieldErrors(ProblemException problem) {
        Map<String, Object> properties = problem.getBody().getProperties();
        Object errors = properties == null ? null : properties.get(ProblemType.ERRORS);
        return errors instanceof List<?> list ? (List<Problem.FieldError>) list : List.of();
    }
}
