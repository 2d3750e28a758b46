package dev.keygate.admin.web;

import dev.keygate.admin.propagation.PropagationTracker;
import dev.keygate.admin.service.KeyAdminService.Caller;
import dev.keygate.admin.service.OwnerLimitsService;
import dev.keygate.core.limit.LimitUsage;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Pattern;
import java.util.Objects;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code /v1/owners/{owner}/limits}: an owner's shared limits (read with their usage, set,
 * removed). The owner is checked like everywhere else ({@link InputLimits#OWNER}, by method
 * validation: a 400 naming {@code owner}); the body binds to {@link OwnerLimitsRequest} and is
 * checked with {@code @Valid}. Reading needs an {@code admin} or {@code read-only} token, changing
 * an {@code admin} one (the admin security chain's rule for every route). Every decision is in
 * {@link OwnerLimitsService}. Stateless and thread-safe; handlers run on the event loop and never
 * block.
 */
@RestController
@RequestMapping(path = "/v1/owners/{owner}/limits", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "limits")
@SecurityRequirement(name = "adminToken")
public class OwnerLimitsController {

    private final OwnerLimitsService service;
    private final PropagationTracker propagation;

    public OwnerLimitsController(OwnerLimitsService service, PropagationTracker propagation) {
        this.service = Objects.requireNonNull(service, "service");
        this.propagation = Objects.requireNonNull(propagation, "propagation");
    }

    @GetMapping
    @Operation(
            operationId = "getOwnerLimits",
            summary = "Read an owner's limits",
            description =
                    "With their usage by all the owner's keys together. An owner without limits"
                            + " is 200 with rateLimit and quota null.")
    @ApiResponse(responseCode = "200", description = "The owner's limits")
    public Mono<OwnerLimitsView> get(
            @PathVariable @Pattern(regexp = InputLimits.OWNER, message = InputLimits.OWNER_RULE)
                    String owner) {
        return service.get(owner)
                .map(found -> OwnerLimitsView.of(owner, found.limits(), found.usage()));
    }

    @PutMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            operationId = "setOwnerLimits",
            summary = "Set an owner's limits",
            description =
                    "Replaces both limits; one left out or null is not set, and {} removes them"
                            + " like DELETE. Every key of the owner is reloaded by the gateways.")
    @ApiResponse(responseCode = "200", description = "The limits now set")
    public Mono<ResponseEntity<OwnerLimitsView>> set(
            @PathVariable @Pattern(regexp = InputLimits.OWNER, message = InputLimits.OWNER_RULE)
                    String owner,
            @Valid @RequestBody OwnerLimitsRequest body,
            @Parameter(description = "false: answer at once, without waiting for the gateways")
                    @RequestParam(name = PropagationHeaders.WAIT_PARAMETER, defaultValue = "true")
                    boolean wait,
            @Parameter(hidden = true) Caller caller) {
        return Mono.defer(() -> service.set(caller, owner, body.toUsageLimits()))
                .flatMap(
                        outcome ->
                                propagation
                                        .receipt(outcome.epoch(), wait)
                                        .map(
                                                receipt ->
                                                        ResponseEntity.ok()
                                                                .headers(
                                                                        headers ->
                                                                                PropagationHeaders
                                                                                        .write(
                                                                                                headers,
                                                                                                receipt))
                                                                .body(
                                                                        OwnerLimitsView.of(
                                                                                        owner,
                                                                                        outcome
                                                                                                .value(),
                                                                                        LimitUsage
                                                                                                .NONE)
                                                                                .withPropagation(
                                                                                        receipt))));
    }

    @DeleteMapping
    @Operation(
            operationId = "removeOwnerLimits",
            summary = "Remove an owner's limits",
            description = "And their counters. An owner without limits is 204 too.")
    @ApiResponse(responseCode = "204", description = "Removed")
    public Mono<ResponseEntity<Void>> remove(
            @PathVariable @Pattern(regexp = InputLimits.OWNER, message = InputLimits.OWNER_RULE)
                    String owner,
            @Parameter(description = "false: answer at once, without waiting for the gateways")
                    @RequestParam(name = PropagationHeaders.WAIT_PARAMETER, defaultValue = "true")
                    boolean wait,
            @Parameter(hidden = true) Caller caller) {
        return Mono.defer(() -> service.remove(caller, owner))
                .flatMap(outcome -> propagation.receipt(outcome.epoch(), wait))
                .map(
                        receipt ->
                                ResponseEntity.noContent()
                                        .headers(
                                                headers ->
                                                        PropagationHeaders.write(headers, receipt))
                                        .build());
    }
}
