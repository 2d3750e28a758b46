package dev.keygate.gateway.authentication;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.MultiValueMap;

/**
 * A read-only view of a request's headers in which a few names are replaced or removed. The filter
 * forwards a request through one of these instead of mutating it, because a mutation copies every
 * request header into a new case-insensitive map (plus a new request with its own parsed path) on
 * every request: about 2.8 KB and a microsecond, most of what the filter used to cost.
 *
 * <p>Reading a name looks at the overlay first (names compare ignoring case, as HTTP header names
 * do), then at the original headers. Iteration gives the original headers that are not overlaid,
 * then the overlaid names that have values. Like the request's own headers, the view is read-only:
 * every mutator throws {@link UnsupportedOperationException}, and a later filter that wants other
 * headers mutates the request as usual, which copies this view.
 *
 * <p>Immutable as long as nobody writes into the lists given to it; thread-safe then.
 */
final class HeaderOverlay extends AbstractMap<String, List<String>>
        implements MultiValueMap<String, String> {

    private final MultiValueMap<String, String> base;
    private final String[] names;
    private final List<String>[] values;
    private List<Entry<String, List<String>>> entries;

    /**
     * @param base the original headers
     * @param names the overlaid names, without duplicates (ignoring case)
     * @param values for each name, its values, or {@code null} (or an empty list) when the name is
     *     removed; the view keeps this array, so the caller must not change it afterwards
     */
    HeaderOverlay(HttpHeaders base, String[] names, List<String>[] values) {
        if (names.length != values.length) {
            throw new IllegalArgumentException("one value list per name");
        }
        // the map behind the headers: HttpHeaders' own views copy every name into a new map each
        // time
        this.base = base.asMultiValueMap();
        this.names = names;
        this.values = values;
    }

    /**
     * {@code request} with its headers seen through an overlay: a decorator, nothing copied.
     *
     * @param request the request to forward
     * @param names the overlaid names, without duplicates (ignoring case)
     * @param values for each name, its values, or {@code null} to remove it; kept, not copied
     */
    static ServerHttpRequest forward(
            ServerHttpRequest request, String[] names, List<String>[] values) {
        HttpHeaders headers =
                new HttpHeaders(new HeaderOverlay(request.getHeaders(), names, values));
        return new ServerHttpRequestDecorator(request) {
            @Override
            public HttpHeaders getHeaders() {
                return headers;
            }
        };
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
        return base.get(name);
    }

    @Override
    public boolean containsKey(Object name) {
        int i = indexOf(name);
        if (i >= 0) {
            return overlaid(i) != null;
        }
        return base.containsKey(name);
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
            for (Entry<String, List<String>> entry : base.entrySet()) {
                String name = entry.getKey();
                // each name once, in its first spelling: the original's lookups ignore case, so
                // its values are those of every spelling
                if (indexOf(name) < 0 && !listedIgnoringCase(listed, name)) {
                    listed.add(Map.entry(name, entry.getValue()));
                }
            }
            for (int i = 0; i < names.length; i++) {
                if (overlaid(i) != null) {
                    listed.add(Map.entry(names[i], values[i]));
                }
            }
            // immutable, with a final array: safe to publish through a plain field (a benign
            // race: two threads may both list the entries, and get the same)
            all = List.copyOf(listed);
            entries = all;
        }
        return all;
    }

    /** Whether {@code name} is already listed in another case (rare: most clients don't). */
    private static boolean listedIgnoringCase(
            List<Entry<String, List<String>>> listed, String name) {
        for (Entry<String, List<String>> entry : listed) {
            if (entry.getKey().equalsIgnoreCase(name)) {
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

    /**
     * The headers of a forwarded request. Spring's {@link HttpHeaders#forEach} and {@link
     * HttpHeaders#headerSet()} copy every name into a new case-insensitive map on each call, to
     * merge names that differ only in case; this view already gives each name once, so these two
     * iterate it directly (the proxy iterates the forwarded headers once per request).
     */
    private static final class Headers extends HttpHeaders {
        private final HeaderOverlay overlay;

        Headers(HeaderOverlay overlay) {
            super(overlay);
            this.overlay = overlay;
        }

        @Override
        public Set<Entry<String, List<String>>> headerSet() {
            return overlay.entrySet(); // read-only already: immutable list, immutable entries
        }

        @Override
        public void forEach(BiConsumer<? super String, ? super List<String>> action) {
            for (Entry<String, List<String>> entry : overlay.entrySet()) {
                action.accept(entry.getKey(), entry.getValue());
            }
        }
    }
}
