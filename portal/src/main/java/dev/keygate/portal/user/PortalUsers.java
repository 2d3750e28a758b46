package dev.keygate.portal.user;

import dev.keygate.admin.web.InputLimits;
import dev.keygate.portal.config.PortalProperties;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/**
 * Makes a {@link PortalUser} from the claims of the signed-in user: the ID token and user info of a
 * browser session ({@link OidcUser}), or the JWT of a self-service API call. The owner comes from
 * {@code keygate.portal.oidc.owner-claim} and must be a valid owner id (else the user is refused:
 * no keys are shown or made for an owner the admin API could not name); organisations come from
 * {@code organizations-claim}, a list of strings or one space-separated string; names that are not
 * valid organisation ids are left out. Stateless and thread-safe.
 */
public final class PortalUsers {

    private static final Pattern OWNER = Pattern.compile(InputLimits.OWNER);
    private static final Pattern ORGANIZATION = Pattern.compile(InputLimits.ORGANIZATION);

    private final String ownerClaim;
    private final String organizationsClaim;

    public PortalUsers(PortalProperties.OidcProperties oidc) {
        this.ownerClaim = oidc.ownerClaim();
        this.organizationsClaim = oidc.organizationsClaim();
    }

    /**
     * The user of {@code authentication}.
     *
     * @throws InsufficientAuthenticationException when the owner claim is missing or not a valid
     *     owner id
     */
    public PortalUser from(Authentication authentication) {
        Map<String, Object> claims;
        if (authentication.getPrincipal() instanceof OidcUser oidc) {
            claims = oidc.getClaims();
        } else if (authentication instanceof JwtAuthenticationToken jwt) {
            claims = jwt.getToken().getClaims();
        } else {
            throw new InsufficientAuthenticationException("not an OpenID Connect sign-in");
        }
        return from(claims);
    }

    /** The user with these claims (see {@link #from(Authentication)}). */
    public PortalUser from(Map<String, Object> claims) {
        Object owner = claims.get(ownerClaim);
        if (!(owner instanceof String id) || !OWNER.matcher(id).matches()) {
            throw new InsufficientAuthenticationException(
                    "the sign-in's '"
                            + ownerClaim
                            + "' claim is missing or is not a valid owner id ("
                            + InputLimits.OWNER_RULE
                            + ")");
        }
        return new PortalUser(id, displayName(claims, id), organizations(claims));
    }

    private static String displayName(Map<String, Object> claims, String owner) {
        for (String claim : List.of("name", "preferred_username", "email")) {
            if (claims.get(claim) instanceof String value && !value.isBlank()) {
                return value.strip();
            }
        }
        return owner;
    }

    private List<String> organizations(Map<String, Object> claims) {
        Object value = claims.get(organizationsClaim);
        Collection<?> names;
        if (value instanceof Collection<?> list) {
            names = list;
        } else if (value instanceof String text) {
            names = List.of(text.trim().split("\\s+"));
        } else {
            names = List.of();
        }
        Set<String> valid = new LinkedHashSet<>();
        for (Object name : names) {
            if (name instanceof String org && ORGANIZATION.matcher(org).matches()) {
                valid.add(org);
            }
        }
        return new ArrayList<>(valid);
    }
}
