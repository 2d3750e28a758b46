package dev.keygate.core.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class KeyRecordTests {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static KeyRecord record(
            Set<String> organizations, Set<String> scopes, Map<String, String> metadata) {
        return new KeyRecord(
                "AAAAAAAAAAA",
                "acct-1",
                "ci",
                organizations,
                scopes,
                NOW,
                NOW,
                null,
                true,
                SecretHash.of("secret"),
                null,
                null,
                metadata,
                null,
                null,
                1);
    }

    @Test
    void scopesAndOrganizationsIterateSortedWithoutDuplicatesWhateverTheInputOrder() {
        Set<String> scopes = new LinkedHashSet<>(List.of("orders:write", "a:read", "orders:read"));
        Set<String> organizations = new LinkedHashSet<>(List.of("globex", "acme"));

        KeyRecord record = record(organizations, scopes, null);

        assertThat(record.scopes()).containsExactly("a:read", "orders:read", "orders:write");
        assertThat(record.organizations()).containsExactly("acme", "globex");
        assertThat(String.join(",", record.scopes())).isEqualTo("a:read,orders:read,orders:write");
        assertThat(record.joinedScopes()).isEqualTo("a:read,orders:read,orders:write");
        assertThat(record.joinedOrganizations()).isEqualTo("acme,globex");
        assertThat(record.joinedScopes()).isSameAs(record.joinedScopes());
        assertThat(record(Set.of(), Set.of(), null).joinedScopes()).isEmpty();
    }

    @Test
    void collectionsAreImmutableCopies() {
        Set<String> scopes = new LinkedHashSet<>(List.of("b", "a"));
        Map<String, String> metadata = new LinkedHashMap<>(Map.of("team", "payments"));

        KeyRecord record = record(Set.of("acme"), scopes, metadata);
        scopes.add("c");
        metadata.put("other", "x");

        assertThat(record.scopes()).containsExactly("a", "b").isUnmodifiable();
        assertThat(record.organizations()).isUnmodifiable();
        assertThat(record.metadata()).containsExactly(Map.entry("team", "payments"));
        assertThat(record.metadata()).isUnmodifiable();
    }

    @Test
    void setsCompareEqualToAnySetWithTheSameMembersAndAnswerContainsForAnyObject() {
        KeyRecord record = record(Set.of("acme"), Set.of("b", "a"), Map.of());

        assertThat(record.scopes()).isEqualTo(new TreeSet<>(Set.of("a", "b")));
        assertThat(record.scopes()).hasSameHashCodeAs(Set.of("a", "b"));
        assertThat(record.scopes().contains("a")).isTrue();
        assertThat(record.scopes().contains("c")).isFalse();
        assertThat(record.scopes().contains(null)).isFalse();
        assertThat(record.scopes().contains(42)).isFalse();
        assertThat(record.scopes().containsAll(Set.of("a", "b"))).isTrue();
        assertThat(record).isEqualTo(record(Set.of("acme"), Set.of("a", "b"), null));
    }

    @Test
    void noScopesNoOrganizationsAndNoMetadataAreEmpty() {
        KeyRecord record = record(null, Set.of(), null);

        assertThat(record.scopes()).isEmpty();
        assertThat(record.organizations()).isEmpty();
        assertThat(record.metadata()).isEmpty();
    }

    @Test
    void metadataIteratesSortedByName() {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("zone", "eu");
        metadata.put("app", "billing");

        assertThat(record(null, null, metadata).metadata().keySet()).containsExactly("app", "zone");
    }

    @Test
    void blankOrWhitespaceTokensAreRefused() {
        for (String bad : new String[] {"", "a b", "tab\t", "new\nline"}) {
            assertThatThrownBy(() -> record(null, Set.of(bad), null))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("scope");
        }
        Set<String> withNull = new LinkedHashSet<>();
        withNull.add(null);
        assertThatThrownBy(() -> record(withNull, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("organization");
    }
}
