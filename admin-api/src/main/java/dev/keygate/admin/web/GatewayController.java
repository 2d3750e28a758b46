package dev.keygate.admin.web;

import dev.keygate.admin.problem.ProblemException;
import dev.keygate.admin.propagation.ChangeReceiptView;
import dev.keygate.admin.propagation.GatewaysView;
import dev.keygate.admin.propagation.PropagationTracker;
import dev.keygate.core.store.Invalidation;
import dev.keygate.core.store.RedisKeyStore;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Min;
import java.util.Objects;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code GET /v1/gateways}, the live gateway nodes, and {@code GET /v1/changes/{epoch}}, which of
 * them have applied one change. Reads only ({@code read-only} tokens may call them). Stateless and
 * thread-safe; never blocks.
 */
@RestController
@Tag(name = "gateways")
@SecurityRequirement(name = "adminToken")
public class GatewayController {

    private final PropagationTracker propagation;
    private final RedisKeyStore store;

    public GatewayController(PropagationTracker propagation, RedisKeyStore store) {
        this.propagation = Objects.requireNonNull(propagation, "propagation");
        this.store = Objects.requireNonNull(store, "store");
    }

    @GetMapping(path = "/v1/gateways", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "List the live gateways",
            description =
                    "Each with its last applied epoch, its lag behind the current epoch, when it"
                            + " last confirmed its epoch, and its cache. A gateway whose heartbeat"
                            + " expired (keygate.gateway.node.ttl) is not listed.")
    @ApiResponse(responseCode = "200", description = "The live gateways")
    public Mono<GatewaysView> gateways() {
        return propagation.fleet().map(GatewaysView::of);
    }

    @GetMapping(path = "/v1/changes/{epoch}", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(
            summary = "Which gateways have applied a change",
            description =
                    "The epoch is the Keygate-Propagation-Epoch of the change's answer. 404 for an"
                            + " epoch after the current one.")
    @ApiResponse(responseCode = "200", description = "The live gateways that have and have not")
    public Mono<ChangeReceiptView> change(@PathVariable @Min(1) long epoch) {
        return propagation
                .fleet()
                .flatMap(
                        fleet -> {
                            if (epoch > fleet.epoch()) {
                                return Mono.error(
                                        ProblemException.notFound(
                                                "no change with epoch "
                                                        + epoch
                                                        + " yet (the current epoch is "
                                                        + fleet.epoch()
                                                        + ")"));
                            }
                            return store.changesBetween(epoch - 1, epoch)
                                    .map(
                                            changes ->
                                                    changes.stream()
                                                            .filter(c -> c.epoch() == epoch)
                                                            .map(Invalidation::id)
                                                            .findFirst()
                                                            .orElse(""))
                                    .map(
                                            id ->
                                                    propagation.change(
                                                            fleet,
                                                            epoch,
                                                            id.isEmpty() ? null : id));
                        });
    }
}
