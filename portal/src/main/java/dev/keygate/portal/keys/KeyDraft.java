package dev.keygate.portal.keys;

import java.time.Instant;
import java.util.List;

/**
 * A key a user asks for, after binding (a page's form or a self-service API body) and before the
 * portal's rules ({@link SelfServiceKeys}).
 *
 * @param name the key's name, stripped
 * @param expiresAt when it should stop working
 * @param scopes the permissions asked for
 * @param organizations the organisations asked for
 * @param expiryField the name of the input the expiry came from, for error messages ({@code
 *     expiresOn} on the page, {@code expiresAt} or {@code ttl} in the API)
 */
public record KeyDraft(
        String name,
        Instant expiresAt,
        List<String> scopes,
        List<String> organizations,
        String expiryField) {

    public KeyDraft {
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
        organizations = organizations == null ? List.of() : List.copyOf(organizations);
    }
}
