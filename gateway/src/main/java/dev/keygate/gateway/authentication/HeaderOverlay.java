package dev.keygate.gateway.authentication;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.http.HttpHeaders;
import org.springframework.util.MultiValueMap;

/**
 * A read-only view of a request's headers in which a few names are replaced or removed, and names a
 * predicate calls hidden are left out. {@link UpstreamHeadersFilter} hands the proxy one of these
 * instead of a copy, because a copy puts every request header into a new case-insensitive map on
 * every request (about 2.8 KB), and the proxy's next header filter copies them anyway.
 *
 * <p>Reading a name looks at the overlay first (names compare ignoring case, as HTTP header names
 * do), then at the original headers, unless the name is hidden. Iteration gives the overlaid names
 * that have values, then the original headers that are neither overlaid nor hidden. Like the
 * request's own headers, the view is read-only: every mutator throws {@link
 * UnsupportedOperationException}.
 *
 * <p>Immutable as long as nobody writes into the lists given to it; thread-safe then.
 */
final class HeaderOverlay extends AbstractMap<String, List<String>>
        implements MultiValueMap<String, String> {

    private final MultiValueMap<String, String> base;
    private final String[] names;
    private final List<String>[] values;
    private final Predicate<String> hidden;
    private List<Entry<String, List<String>>> entries;

    /**
     * @param base the original headers
     * @param names the overlaid names, without duplicates (ignoring case)
     * @param values for each name, its values, or {@code null} (or an empty list) when the name is
     *     removed; the view keeps this array, so the caller must not change it afterwards
     * @param hidden original names (not overlaid) that the view leaves out
     */
    HeaderOverlay(
            HttpHeaders base, String[] names, List<String>[] values, Predicate<String> hidden) {
        if (names.length != values.length) {
            throw new IllegalArgumentException("one value list per name");
        }
        // the map behind the headers: HttpHeaders' own views copy every name into a new map each
        // time
        this.base = base.asMultiValueMap();
        this.names = names;
        this.values = values;
        this.hidden = hidden;
    }

    /** Index of {@code name} among the overlaid names, or -1. */
    private int indexOf(Object name) {
        if (name instanceof String header) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equalsIgnoreCase(header)) {
                    return i;
                }
            }
        }
        return -1;
    }

    private List<String> overlaid(int i) {
        List<String> list = values[i];
        return list == null || list.isEmpty() ? null : list;
    }

    @Override
    public List<String> get(Object name) {
        int i = indexOf(name);
        if (i >= 0) {
            return overlaid(i);
        }
        return isHidden(name) ? null : base.get(name);
    }

    @Override
    public boolean containsKey(Object name) {
        int i = indexOf(name);
        if (i >= 0) {
            return overlaid(i) != null;
        }
        return !isHidden(name) && base.containsKey(name);
    }

    private boolean isHidden(Object name) {
        return name instanceof String header && hidden.test(header);
    }

    @Override
    public String getFirst(String name) {
        List<String> list = get(name);
        return list == null || list.isEmpty() ? null : list.get(0);
    }

    @Override
    public Map<String, String> toSingleValueMap() {
        Map<String, String> single = new LinkedHashMap<>();
        for (Entry<String, List<String>> entry : entrySet()) {
            single.put(entry.getKey(), entry.getValue().get(0));
        }
        return single;
    }

    @Override
    public Set<Entry<String, List<String>>> entrySet() {
        List<Entry<String, List<String>>> all = entries();
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, List<String>>> iterator() {
                return all.iterator();
            }

            @Override
            public int size() {
                return all.size();
            }
        };
    }

    @Override
    public int size() {
        return entries().size();
    }

    /**
     * Every header of the view, listed on first use and kept (the view does not change): iterating
     * the original headers is the expensive part (Netty's adapter lists the names, then looks each
     * one up), and the proxy asks for the size and then iterates, so it is done once.
     */
    private List<Entry<String, List<String>>> entries() {
        List<Entry<String, List<String>>> all = entries;
        if (all == null) {
            List<Entry<String, List<String>>> listed = new ArrayList<>(names.length + 8);
            // the overlaid names first: an upstream that keeps only its first so many header
            // lines still gets the identity
            for (int i = 0; i < names.length; i++) {
                if (overlaid(i) != null) {
                    listed.add(Map.entry(names[i], values[i]));
                }
            }
            int overlaidCount = listed.size();
            for (Entry<String, List<String>> entry : base.entrySet()) {
                String name = entry.getKey();
                // each name once, in its first spelling: the original's lookups ignore case, so
                // its values are those of every spelling
                if (indexOf(name) < 0
                        && !hidden.test(name)
                        && !listedIgnoringCase(listed, overlaidCount, name)) {
                    listed.add(Map.entry(name, entry.getValue()));
                }
            }
            // immutable, with a final array: safe to publish through a plain field (a benign
            // race: two threads may both list the entries, and get the same)
            all = List.copyOf(listed);
            entries = all;
        }
        return all;
    }

    /**
     * Whether {@code name} is already listed, from the original headers (after the first {@code
     * from} entries, the overlaid ones), in another case (rare: most clients don't).
     */
    private static boolean listedIgnoringCase(
            List<Entry<String, List<String>>> listed, int from, String name) {
        for (int i = from; i < listed.size(); i++) {
            if (listed.get(i).getKey().equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void add(String name, String value) {
        throw readOnly();
    }

    @Override
    public void addAll(String name, List<? extends String> list) {
        throw readOnly();
    }

    @Override
    public void addAll(MultiValueMap<String, String> other) {
        throw readOnly();
    }

    @Override
    public void set(String name, String value) {
        throw readOnly();
    }

    @Override
    public void setAll(Map<String, String> all) {
        throw readOnly();
    }

    private static UnsupportedOperationException readOnly() {
        return new UnsupportedOperationException(
                "request headers are read-only; mutate the request");
    }
}
