package dev.keygate.admin.console;

import dev.keygate.admin.web.CreateKeyRequest;
import dev.keygate.admin.web.QuotaJson;
import dev.keygate.admin.web.RateLimitJson;
import dev.keygate.core.key.KeyRecord;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.springframework.format.annotation.DateTimeFormat;

/**
 * The console's key form (create and edit), bound from the page's fields and rendered back into
 * them after a refusal, so nothing typed is lost. A JavaBean for Thymeleaf's form binding. It is
 * checked by turning it into the API's {@link CreateKeyRequest} and validating that with the API's
 * own constraints ({@code InputLimits}), so the console and the API refuse the same input with the
 * same messages; {@link #field} maps the request's property paths back to this form's fields.
 */
public class ConsoleKeyForm {

    private String owner;
    private String name;

    /** Space- or comma-separated. */
    private String scopes = "";

    /** Space- or comma-separated. */
    private String organizations = "";

    /** The day the key stops working (00:00 UTC); empty: never. */
    @DateTimeFormat(iso = DateTimeFormat.ISO.DATE)
    private LocalDate expiresOn;

    private Long rateRequests;

    /** An ISO-8601 duration of whole seconds, such as PT1S or PT1M. */
    private String ratePer = "PT1S";

    private Long rateBurst;
    private Long quotaRequests;

    /** {@code day}, {@code month} or empty. */
    private String quotaPeriod = "";

    /** The form of an existing key, to edit it. */
    static ConsoleKeyForm of(KeyRecord record) {
        ConsoleKeyForm form = new ConsoleKeyForm();
        form.owner = record.owner();
        form.name = record.name();
        form.scopes = String.join(" ", record.scopes());
        form.organizations = String.join(" ", record.organizations());
        form.expiresOn = day(record.expiresAt());
        if (record.limits().rateLimit() != null) {
            form.rateRequests = record.limits().rateLimit().requests();
            form.ratePer = record.limits().rateLimit().per().toString();
            form.rateBurst = record.limits().rateLimit().burst();
        }
        if (record.limits().quota() != null) {
            form.quotaRequests = record.limits().quota().requests();
            form.quotaPeriod = record.limits().quota().period().value();
        }
        return form;
    }

    /** The UTC day of an expiry as the form shows it; null for none. */
    static LocalDate day(java.time.Instant expiresAt) {
        return expiresAt == null ? null : LocalDate.ofInstant(expiresAt, ZoneOffset.UTC);
    }

    /** The API's request for this form; {@code ratePer} that is not a duration becomes null. */
    CreateKeyRequest toRequest() {
        return new CreateKeyRequest(
                owner == null ? null : owner.strip(),
                name,
                tokens(scopes),
                tokens(organizations),
                expiresOn == null ? null : expiresOn.atStartOfDay(ZoneOffset.UTC).toInstant(),
                null,
                Map.of(),
                rateRequests == null && rateBurst == null
                        ? null
                        : new RateLimitJson(rateRequests, duration(ratePer), rateBurst),
                quotaRequests == null && (quotaPeriod == null || quotaPeriod.isBlank())
                        ? null
                        : new QuotaJson(quotaRequests, quotaPeriod));
    }

    /** Whether {@code ratePer} was given but is not an ISO-8601 duration. */
    boolean ratePerUnreadable() {
        return rateRequests != null
                && ratePer != null
                && !ratePer.isBlank()
                && duration(ratePer) == null;
    }

    /** This form's field for a property path of {@link CreateKeyRequest}. */
    static String field(String path) {
        if (path.startsWith("scopes")) {
            return "scopes";
        }
        if (path.startsWith("organizations")) {
            return "organizations";
        }
        if (path.startsWith("expiresAt") || path.startsWith("ttl")) {
            return "expiresOn";
        }
        if (path.startsWith("rateLimit.per")) {
            return "ratePer";
        }
        if (path.startsWith("rateLimit.burst")) {
            return "rateBurst";
        }
        if (path.startsWith("rateLimit")) {
            return "rateRequests";
        }
        if (path.startsWith("quota.period")) {
            return "quotaPeriod";
        }
        if (path.startsWith("quota")) {
            return "quotaRequests";
        }
        if (path.startsWith("name")) {
            return "name";
        }
        return "owner";
    }

    private static List<String> tokens(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        return Arrays.stream(text.trim().split("[\\s,]+")).filter(t -> !t.isEmpty()).toList();
    }

    private static Duration duration(String text) {
        try {
            return text == null || text.isBlank() ? null : Duration.parse(text.trim());
        } catch (java.time.format.DateTimeParseException unreadable) {
            return null;
        }
    }

    public String getOwner() {
        return owner;
    }

    public void setOwner(String owner) {
        this.owner = owner;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getScopes() {
        return scopes;
    }

    public void setScopes(String scopes) {
        this.scopes = scopes == null ? "" : scopes;
    }

    public String getOrganizations() {
        return organizations;
    }

    public void setOrganizations(String organizations) {
        this.organizations = organizations == null ? "" : organizations;
    }

    public LocalDate getExpiresOn() {
        return expiresOn;
    }

    public void setExpiresOn(LocalDate expiresOn) {
        this.expiresOn = expiresOn;
    }

    public Long getRateRequests() {
        return rateRequests;
    }

    public void setRateRequests(Long rateRequests) {
        this.rateRequests = rateRequests;
    }

    public String getRatePer() {
        return ratePer;
    }

    public void setRatePer(String ratePer) {
        this.ratePer = ratePer;
    }

    public Long getRateBurst() {
        return rateBurst;
    }

    public void setRateBurst(Long rateBurst) {
        this.rateBurst = rateBurst;
    }

    public Long getQuotaRequests() {
        return quotaRequests;
    }

    public void setQuotaRequests(Long quotaRequests) {
        this.quotaRequests = quotaRequests;
    }

    public String getQuotaPeriod() {
        return quotaPeriod;
    }

    public void setQuotaPeriod(String quotaPeriod) {
        this.quotaPeriod = quotaPeriod == null ? "" : quotaPeriod;
    }
}
