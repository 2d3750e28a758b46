package dev.keygate.admin.web;

import dev.keygate.admin.auth.AdminPrincipal;
import dev.keygate.admin.idempotency.IdempotencyStore;
import dev.keygate.admin.problem.Problem;
import dev.keygate.admin.service.ChangeOutcome;
import dev.keygate.admin.service.KeyAdminService;
import dev.keygate.admin.service.KeyAdminService.Caller;
import dev.keygate.core.store.ReplicaAcknowledgement;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
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
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * {@code /v1/keys}: create, read, list, rotate, update and remove keys. Thin: every decision is in
 * {@link KeyAdminService}; authentication happened before (see {@code
 * AdminAuthenticationWebFilter}). Answers that carry a full key are marked {@code Cache-Control:
 * no-store}. Stateless and thread-safe; handlers run on the event loop and never block.
 */
@RestController
@RequestMapping(path = "/v1/keys", produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "keys")
@SecurityRequirement(name = "adminToken")
@ApiResponse(
        responseCode = "default",
        description = "An RFC 9457 problem",
        content =
                @Content(
                        mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                        schema = @Schema(implementation = Problem.class)))
public class KeyController {

    /** The replicas a change waited for ({@code keygate.admin.durability.wait-for-replicas}). */
    public static final String REPLICAS_REQUIRED_HEADER = "Keygate-Replicas-Required";

    /** The replicas that confirmed the change within {@code wait-timeout}. */
    public static final String REPLICAS_ACKNOWLEDGED_HEADER = "Keygate-Replicas-Acknowledged";

    private final KeyAdminService service;

    public KeyController(KeyAdminService service) {
        this.service = Objects.requireNonNull(service, "service");
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "Create a key",
            description = "Answers 201 with the key record and the full key, shown this once.")
    @ApiResponse(responseCode = "201", description = "Created")
    public Mono<ResponseEntity<KeyView>> create(
            @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            schema =
                                                    @Schema(
                                                            implementation =
                                                                    CreateKeyRequest.class)))
                    @RequestBody(required = false)
                    Map<String, Object> body,
            @Parameter(description = "Makes retries safe for the idempotency window")
                    @RequestHeader(name = IdempotencyStore.HEADER, required = false)
                    String idempotencyKey,
            ServerWebExchange exchange) {
        return service.create(caller(exchange), body, idempotencyKey)
                .map(
                        outcome ->
                                changed(HttpStatus.CREATED, outcome)
                                        .location(URI.create("/v1/keys/" + outcome.value().id()))
                                        .body(outcome.value()));
    }

    @GetMapping("/{id}")
    @Operation(summary = "Read a key")
    @ApiResponse(responseCode = "200", description = "The key, without its secret")
    public Mono<KeyView> get(@PathVariable String id) {
        return service.get(id);
    }

    @GetMapping
    @Operation(summary = "List an owner's keys", description = "Cursor-paged, in id order.")
    @ApiResponse(responseCode = "200", description = "One page")
    public Mono<KeyPageView> list(
            @Parameter(required = true) @RequestParam(required = false) String owner,
            @Parameter(description = "1-500, default 50") @RequestParam(required = false)
                    String limit,
            @Parameter(description = "nextCursor of the previous page")
                    @RequestParam(required = false)
                    String cursor) {
        return service.list(owner, cursor, limit);
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
            @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = false,
                            content =
                                    @Content(
                                            schema =
                                                    @Schema(
                                                            implementation =
                                                                    RotateKeyRequest.class)))
                    @RequestBody(required = false)
                    Map<String, Object> body,
            @Parameter(description = "Makes retries safe for the idempotency window")
                    @RequestHeader(name = IdempotencyStore.HEADER, required = false)
                    String idempotencyKey,
            ServerWebExchange exchange) {
        return service.rotate(caller(exchange), id, body, idempotencyKey)
                .map(outcome -> changed(HttpStatus.OK, outcome).body(outcome.value()));
    }

    @PatchMapping(
            path = "/{id}",
            consumes = {MediaType.APPLICATION_JSON_VALUE, "application/merge-patch+json"})
    @Operation(summary = "Change a key", description = "Only the properties present change.")
    @ApiResponse(responseCode = "200", description = "The key after the change")
    public Mono<ResponseEntity<KeyView>> update(
            @PathVariable String id,
            @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            schema =
                                                    @Schema(
                                                            implementation =
                                                                    UpdateKeyRequest.class)))
                    @RequestBody(required = false)
                    Map<String, Object> body,
            ServerWebExchange exchange) {
        return service.update(caller(exchange), id, body)
                .map(
                        outcome ->
                                ResponseEntity.ok()
                                        .headers(headers -> replicas(headers, outcome.replicas()))
                                        .body(outcome.value()));
    }

    @DeleteMapping("/{id}")
    @Operation(summary = "Remove a key", description = "It stops working at once.")
    @ApiResponse(responseCode = "204", description = "Removed")
    public Mono<ResponseEntity<Void>> remove(@PathVariable String id, ServerWebExchange exchange) {
        return service.remove(caller(exchange), id)
                .map(
                        replicas ->
                                ResponseEntity.noContent()
                                        .headers(headers -> replicas(headers, replicas))
                                        .build());
    }

    private static ResponseEntity.BodyBuilder changed(
            HttpStatus status, ChangeOutcome<KeyView> outcome) {
        ResponseEntity.BodyBuilder builder =
                ResponseEntity.status(status).cacheControl(CacheControl.noStore());
        if (outcome.replayed()) {
            builder.header(IdempotencyStore.REPLAYED_HEADER, "true");
        }
        return builder.headers(headers -> replicas(headers, outcome.replicas()));
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

    static Caller caller(ServerWebExchange exchange) {
        return new Caller(AdminPrincipal.of(exchange), RequestIdWebFilter.requestId(exchange));
    }
}
