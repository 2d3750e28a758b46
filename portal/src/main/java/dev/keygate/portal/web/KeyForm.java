package dev.keygate.portal.web;

import dev.keygate.admin.web.InputLimits;
import jakarta.validation.constraints.Size;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.springframework.format.annotation.DateTimeFormat;

/**
 * The "new key" form, bound from the page's fields and rendered back into them after a refusal (so
 * nothing the user typed is lost). A JavaBean, because Thymeleaf's form binding reads and writes
 * properties; Bean Validation checks the syntax, {@code SelfServiceKeys} the portal's rules.
 */
public class KeyForm {

    @Size(max = InputLimits.MAX_NAME_LENGTH, message = "must be at most 200 characters")
    @InputLimits.Text
    private String name;

    /** The day the key stops working (00:00 UTC), as the date input sends it: ISO yyyy-mm-dd. */
    @DateTimeFormat(iso = DateTimeFormat.ISO.DATE)
    private LocalDate expiresOn;

    private List<String> scopes = new ArrayList<>();

    private List<String> organizations = new ArrayList<>();

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public LocalDate getExpiresOn() {
        return expiresOn;
    }

    public void setExpiresOn(LocalDate expiresOn) {
        this.expiresOn = expiresOn;
    }

    public List<String> getScopes() {
        return scopes;
    }

    public void setScopes(List<String> scopes) {
        this.scopes = scopes == null ? new ArrayList<>() : scopes;
    }

    public List<String> getOrganizations() {
        return organizations;
    }

    public void setOrganizations(List<String> organizations) {
        this.organizations = organizations == null ? new ArrayList<>() : organizations;
    }
}
