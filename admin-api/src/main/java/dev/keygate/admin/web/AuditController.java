package dev.keygate.admin.web;

import dev.keygate.admin.audit.AuditEvent;
import dev.keygate.admin.service.KeyAdminService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.util.List;
import java.util.Objects;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code GET /v1/audit}: the audit trail, newest first. Parameters bind typed and are checked by
 * method validation. Stateless and thread-safe; never blocks.
 */
@RestController
@Tag(name = "audit")
@SecurityRequirement(name = "adminToken")
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
            @Parameter(description = "Only this key's events")
                    @RequestParam(required = false)
                    @Pattern(
                            regexp = InputLimits.KEY_ID_OR_EMPTY,
                            message = "must be a key id (11 base62 characters)")
                    String keyId,
            @Parameter(description = "Only this owner's events: its keys' and its limits'")
                    @RequestParam(required = false)
                    @Pattern(
                            regexp = "(" + InputLimits.OWNER + ")?",
                            message = InputLimits.OWNER_RULE)
                    String owner,
            @Parameter(description = "1-500, default 50")
                    @RequestParam(defaultValue = "" + InputLimits.DEFAULT_PAGE_SIZE)
                    @Min(1)
                    @Max(InputLimits.MAX_PAGE_SIZE)
                    int limit) {
        return service.audit(
                        KeyController.emptyToNull(keyId), KeyController.emptyToNull(owner), limit)
                .map(AuditPageView::new);
    }
}
