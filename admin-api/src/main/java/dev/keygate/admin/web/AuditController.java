package dev.keygate.admin.web;

import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.admin.problem.Problem;
import dev.keygate.admin.service.KeyAdminService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Objects;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code GET /v1/audit}: the audit trail, newest first. Stateless and thread-safe; never blocks.
 */
@RestController
@Tag(name = "audit")
@SecurityRequirement(name = "adminToken")
@ApiResponse(
        responseCode = "default",
        description = "An RFC 9457 problem",
        content =
                @Content(
                        mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                        schema = @Schema(implementation = Problem.class)))
public class AuditController {

    private final KeyAdminService service;

    public AuditController(KeyAdminService service) {
        this.service = Objects.requireNonNull(service, "service");
    }

    /**
     * The audit trail.
     *
     * @param events newest first
     */
    public record AuditPageView(List<AuditEvent> events) {}

    @GetMapping(path = "/v1/audit", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Read the audit trail", description = "Newest first.")
    @ApiResponse(responseCode = "200", description = "The events")
    public Mono<AuditPageView> audit(
            @Parameter(description = "Only this key's events") @RequestParam(required = false)
                    String keyId,
            @Parameter(description = "1-500, default 50") @RequestParam(required = false)
                    String limit) {
        return service.audit(keyId, limit).map(AuditPageView::new);
    }
}
