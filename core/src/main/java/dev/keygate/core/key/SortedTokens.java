package dev.keygate.core.key;

import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An immutable set of tokens (scopes, organizations) kept as one sorted array: iteration is in
 * natural order, as it was with the {@code TreeSet} it replaces, at a fraction of the heap (an
 * object and an array instead of a wrapper, a {@code TreeSet}, a {@code TreeMap} and an entry per
 * member). Every key cached by a gateway holds two of these. Lookups are binary searches; the sets
 * are a handful of members. Immutable and thread-safe.
 */
final class SortedTokens extends AbstractSet<String> {

    private static final SortedTokens EMPTY = new SortedTokens(new String[0]);

    private final String[] members;

    /** {@link #joined()}, once asked. A benign race: every thread computes the same string. */
    private String joined;

    private SortedTokens(String[] members) {
        this.members = members;
    }

    /**
     * The members in order, comma-separated, as the gateway forwards them on every request:
     * computed on first use, then kept (a few dozen bytes per cached key, against a new string on
     * every request).
     */
    String joined() {
        String value = joined;
        if (value == null) {
            value = String.join(",", members);
            joined = value;
        }
        return value;
    }

    /**
     * The members of {@code values}, sorted and validated.
     *
     * @param what what a member is, for the error message
     * @throws IllegalArgumentException when a member is null, empty or contains whitespace
     */
    static SortedTokens of(String what, Set<String> values) {
        if (values instanceof SortedTokens tokens) {
            return tokens;
        }
        if (values == null || values.isEmpty()) {
            return EMPTY;
        }
        String[] members = new String[values.size()];
        int n = 0;
        for (String value : values) {
            if (!isToken(value)) {
                throw new IllegalArgumentException(
                        "a " + what + " must be non-empty with no whitespace: '" + value + "'");
            }
            if (n == members.length) { // a set whose size() was wrong: be safe
                members = Arrays.copyOf(members, n + 1);
            }
            members[n++] = value;
        }
        Arrays.sort(members, 0, n);
        int distinct = 0;
        for (int i = 0; i < n; i++) {
            if (distinct == 0 || !members[distinct - 1].equals(members[i])) {
                members[distinct++] = members[i];
            }
        }
        return new SortedTokens(
                distinct == members.length ? members : Arrays.copyOf(members, distinct));
    }

    private static boolean isToken(String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) <= ' ') {
                return false;
            }
        }
        return true;
    }

    @Override
    public int size() {
        return members.length;
    }

    @Override
    public boolean contains(Object o) {
        return o instanceof String s && Arrays.binarySearch(members, s) >= 0;
    }

    @Override
    public Iterator<String> iterator() {
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < members.length;
            }

            @Override
            public String next() {
                if (next >= members.length) {
                    throw new NoSuchElementException();
                }
                return members[next++];
            }
        };
    }

    @Override
    public Object[] toArray() {
        return members.clone();
    }

    @Override
    public boolean add(String s) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean remove(Object o) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean removeIf(java.util.function.Predicate<? super String> filter) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean retainAll(java.util.Collection<?> c) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean removeAll(java.util.Collection<?> c) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean addAll(java.util.Collection<? extends String> c) {
        throw new UnsupportedOperationException();
    }
}
