package dev.keygate.portal.user;

import java.util.List;
import java.util.Objects;

/**
 * The signed-in person as the portal sees them: whose keys they manage and what they may grant.
 *
 * @param owner the owner of their keys (the configured owner claim)
 * @param displayName what the header shows (name, e-mail or the owner)
 * @param organizations the organisations they may give their keys (the organisations claim), in
 *     claim order, without duplicates
 */
public record PortalUser(String owner, String displayName, List<String> organizations) {

    /** The prefix of the audit trail's actor for changes made in the portal. */
    public static final String ACTOR_PREFIX = "portal:";

    public PortalUser {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(displayName, "displayName");
        organizations = List.copyOf(organizations);
    }

    /** The actor recorded in the audit trail: {@code portal:<owner>}. */
    public String actor() {
        return ACTOR_PREFIX + owner;
    }
}
