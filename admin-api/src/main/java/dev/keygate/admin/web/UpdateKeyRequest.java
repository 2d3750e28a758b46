package dev.keygate.admin.web;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.keygate.core.store.KeyUpdate;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The body of {@code PATCH /v1/keys/{id}}: only the properties present change. {@code expiresAt:
 * null} removes the expiry, {@code rateLimit: null} and {@code quota: null} remove the limit;
 * {@code null} for any other property is refused; {@code metadata} replaces the whole map (and a
 * {@code rateLimit} or {@code quota} given replaces the whole limit).
 *
 * <p><b>Absent versus null.</b> This is a class with setters, not a record, because PATCH must tell
 * "left out" from "null": Jackson calls a setter only for a property present in the body (with
 * {@code null} for an explicit null), and each setter records the property as present. That small
 * presence record replaces {@code JsonNullable}: {@code org.openapitools:jackson-databind-nullable}
 * 0.2.8 is a module for Jackson 2 ({@code com.fasterxml.jackson.databind}), while this application
 * binds JSON with Jackson 3 ({@code tools.jackson}, Boot 4's default), so its module and value
 * extractor would never run here. The values are checked with the same constraints as on create.
 *
 * <p>Not thread-safe: one instance per request, filled by Jackson, then only read.
 */
@Schema(description = "A partial change. Properties left out stay as they are.")
@UpdateKeyRequest.NamesAChange
public final class UpdateKeyRequest {

    private final Set<String> present = new LinkedHashSet<>();

    @Schema(maxLength = InputLimits.MAX_NAME_LENGTH)
    @Size(max = InputLimits.MAX_NAME_LENGTH)
    @InputLimits.Text
    private String name;

    @ArraySchema(schema = @Schema(pattern = InputLimits.SCOPE), maxItems = InputLimits.MAX_SCOPES)
    @Size(max = InputLimits.MAX_SCOPES)
    private List<@InputLimits.Scope String> scopes;

    @ArraySchema(
            schema = @Schema(pattern = InputLimits.ORGANIZATION),
            maxItems = InputLimits.MAX_ORGANIZATIONS)
    @Size(max = InputLimits.MAX_ORGANIZATIONS)
    private List<@InputLimits.Organization String> organizations;

    @Schema(description = "A future instant, or null to remove the expiry.", nullable = true)
    @WithinLifetime
    private Instant expiresAt;

    private Boolean enabled;

    @Schema(description = "Replaces the whole metadata map.")
    @InputLimits.Metadata
    private Map<
                    @Pattern(
                            regexp = InputLimits.METADATA_KEY,
                            message = InputLimits.METADATA_KEY_RULE)
                    String,
                    @NotNull @Size(max = InputLimits.MAX_METADATA_VALUE_LENGTH) @InputLimits.Text
                    String>
            metadata;

    @Schema(description = "The key's own rate limit, or null to remove it.", nullable = true)
    @Valid
    private RateLimitJson rateLimit;

    @Schema(description = "The key's own quota, or null to remove it.", nullable = true)
    @Valid
    private QuotaJson quota;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = present("name", name);
    }

    public List<String> getScopes() {
        return scopes;
    }

    public void setScopes(List<String> scopes) {
        this.scopes = present("scopes", scopes);
    }

    public List<String> getOrganizations() {
        return organizations;
    }

    public void setOrganizations(List<String> organizations) {
        this.organizations = present("organizations", organizations);
    }

    public Instant getExpiresAt() {
        return expiresAt;
    }

    public void setExpiresAt(Instant expiresAt) {
        this.expiresAt = present("expiresAt", expiresAt);
    }

    public Boolean getEnabled() {
        return enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = present("enabled", enabled);
    }

    public Map<String, String> getMetadata() {
        return metadata;
    }

    public void setMetadata(Map<String, String> metadata) {
        this.metadata = present("metadata", metadata);
    }

    public RateLimitJson getRateLimit() {
        return rateLimit;
    }

    public void setRateLimit(RateLimitJson rateLimit) {
        this.rateLimit = present("rateLimit", rateLimit);
    }

    public QuotaJson getQuota() {
        return quota;
    }

    public void setQuota(QuotaJson quota) {
        this.quota = present("quota", quota);
    }

    /** The properties the body named, in the order it named them. */
    @JsonIgnore
    @Schema(hidden = true)
    public Set<String> getPresent() {
        return Collections.unmodifiableSet(present);
    }

    private <T> T present(String property, T value) {
        present.add(property);
        return value;
    }

    /**
     * The change: only the properties present; {@code expiresAt: null} removes the expiry, {@code
     * rateLimit: null} and {@code quota: null} remove the limit.
     */
    public KeyUpdate toKeyUpdate() {
        return new KeyUpdate(
                name == null ? null : name.strip(),
                scopes == null ? null : new LinkedHashSet<>(scopes),
                organizations == null ? null : new LinkedHashSet<>(organizations),
                present.contains("expiresAt")
                        ? Optional.ofNullable(expiresAt)
                                .map(instant -> instant.truncatedTo(ChronoUnit.MILLIS))
                        : null,
                enabled,
                metadata,
                present.contains("rateLimit")
                        ? Optional.ofNullable(rateLimit).map(RateLimitJson::toRateLimit)
                        : null,
                present.contains("quota")
                        ? Optional.ofNullable(quota).map(QuotaJson::toQuota)
                        : null);
    }

    /**
     * A body that names at least one property, and none but {@code expiresAt}, {@code rateLimit}
     * and {@code quota} as {@code null}. An empty body is an error of the whole body; a null is an
     * error of its property.
     */
    @Constraint(validatedBy = NamesAChange.Validator.class)
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @interface NamesAChange {

        String message() default
                "names nothing to change; give at least one of name, scopes, organizations,"
                        + " expiresAt, enabled, metadata, rateLimit, quota";

        Class<?>[] groups() default {};

        Class<? extends Payload>[] payload() default {};

        /** Stateless and thread-safe. */
        final class Validator implements ConstraintValidator<NamesAChange, UpdateKeyRequest> {
            @Override
            public boolean isValid(UpdateKeyRequest value, ConstraintValidatorContext context) {
                if (value == null) {
                    return true;
                }
                if (value.present.isEmpty()) {
                    return false;
                }
                context.disableDefaultConstraintViolation();
                boolean valid = true;
                for (Map.Entry<String, Object> property : value.nonNullable().entrySet()) {
                    if (value.present.contains(property.getKey()) && property.getValue() == null) {
                        context.buildConstraintViolationWithTemplate("must not be null")
                                .addPropertyNode(property.getKey())
                                .addConstraintViolation();
                        valid = false;
                    }
                }
                return valid;
            }
        }
    }

    /** The properties that may be left out but not set to null, with their values. */
    private Map<String, Object> nonNullable() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("name", name);
        values.put("scopes", scopes);
        values.put("organizations", organizations);
        values.put("enabled", enabled);
        values.put("metadata", metadata);
        return values;
    }
}
