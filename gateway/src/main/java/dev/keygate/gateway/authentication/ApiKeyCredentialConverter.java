package dev.keygate.gateway.authentication;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Pulls the API key out of a request, from the configured places: {@code Authorization} schemes
 * (default {@code Bearer} and {@code Apikey}), whole-value headers (default {@code X-Api-Key}) and,
 * only when configured, query parameters. It never looks at the value beyond trimming it: parsing
 * is the parser's job. Two different values anywhere make the request {@link
 * CredentialExtraction#AMBIGUOUS}; the same value in two places counts once.
 *
 * <p>{@link #headerNames()}, {@link #otherAuthorizations(HttpHeaders)} and {@link
 * #stripQueryParameters(ServerHttpRequest)} say what to remove so that the key never reaches the
 * upstream; {@link #strip(ServerHttpRequest)} does it by mutating the request. Other {@code
 * Authorization} schemes (say {@code Basic}) are left alone. Immutable and thread-safe.
 */
public final class ApiKeyCredentialConverter {

    private final List<String> schemes;
    private final List<String> headers;
    private final List<String> queryParameters;

    public ApiKeyCredentialConverter(
            List<String> authorizationSchemes, List<String> headers, List<String> queryParameters) {
        this.schemes = authorizationSchemes.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
        this.headers = List.copyOf(headers);
        this.queryParameters = List.copyOf(queryParameters);
    }

    /** Finds the credential in {@code request}. */
    public CredentialExtraction extract(ServerHttpRequest request) {
        String found = null;
        HttpHeaders requestHeaders = request.getHeaders();
        List<String> authorization = requestHeaders.get(HttpHeaders.AUTHORIZATION);
        if (authorization != null) {
            for (String value : authorization) {
                String token = schemeToken(value);
                if (token != null) {
                    if (found != null && !found.equals(token)) {
                        return CredentialExtraction.AMBIGUOUS;
                    }
                    found = token;
                }
            }
        }
        for (String header : headers) {
            // containsHeader first: asking for an absent header allocates an empty list
            List<String> values =
                    requestHeaders.containsHeader(header) ? requestHeaders.get(header) : null;
            if (values != null) {
                for (String value : values) {
                    String token = value.trim();
                    if (found != null && !found.equals(token)) {
                        return CredentialExtraction.AMBIGUOUS;
                    }
                    found = token;
                }
            }
        }
        if (!queryParameters.isEmpty()) {
            for (String parameter : queryParameters) {
                List<String> values = request.getQueryParams().get(parameter);
                if (values != null) {
                    for (String value : values) {
                        String token = value == null ? "" : value.trim();
                        if (found != null && !found.equals(token)) {
                            return CredentialExtraction.AMBIGUOUS;
                        }
                        found = token;
                    }
                }
            }
        }
        return found == null
                ? CredentialExtraction.MISSING
                : new CredentialExtraction.Presented(found);
    }

    /**
     * The token of an {@code Authorization} value in one of our schemes, or {@code null} when the
     * value uses another scheme.
     */
    private String schemeToken(String value) {
        int scheme = schemeLength(value);
        return scheme < 0 ? null : value.substring(scheme).trim();
    }

    /**
     * The length of the leading whitespace and scheme of {@code value} when the scheme is one of
     * ours (compared ignoring case, with no copy), else -1.
     */
    private int schemeLength(String value) {
        if (value == null) {
            return -1;
        }
        int start = 0;
        int end = value.length();
        while (start < end && value.charAt(start) <= ' ') {
            start++;
        }
        int space = value.indexOf(' ', start);
        int schemeEnd = space < 0 ? end : space;
        while (schemeEnd > start && value.charAt(schemeEnd - 1) <= ' ') {
            schemeEnd--;
        }
        for (String scheme : schemes) {
            if (scheme.length() == schemeEnd - start
                    && value.regionMatches(true, start, scheme, 0, scheme.length())) {
                return schemeEnd;
            }
        }
        return -1;
    }

    /**
     * The headers this converter reads a credential from: {@code Authorization} (when it has
     * schemes), then the whole-value headers. The filter overlays these names on the forwarded
     * request: {@code Authorization} with {@link #otherAuthorizations(HttpHeaders)}, the others
     * removed.
     */
    public List<String> headerNames() {
        List<String> names = new ArrayList<>(headers.size() + 1);
        if (!schemes.isEmpty()) {
            names.add(HttpHeaders.AUTHORIZATION);
        }
        names.addAll(headers);
        return List.copyOf(names);
    }

    /**
     * The {@code Authorization} values in schemes this converter does not read (say {@code Basic}),
     * which stay when the credential is stripped; {@code null} when there are none.
     */
    public List<String> otherAuthorizations(HttpHeaders requestHeaders) {
        List<String> authorization = requestHeaders.get(HttpHeaders.AUTHORIZATION);
        if (authorization == null) {
            return null;
        }
        List<String> kept = null;
        for (String value : authorization) {
            if (schemeLength(value) < 0) {
                if (kept == null) {
                    kept = new ArrayList<>(authorization.size());
                }
                kept.add(value);
            }
        }
        return kept;
    }

    /**
     * A copy of {@code request} with every credential this converter reads removed. The filter does
     * not use this (it forwards an overlay of the request's headers instead of a copy, see {@link
     * #headerNames()}); it is the same thing for a caller that mutates the request anyway.
     */
    public ServerHttpRequest strip(ServerHttpRequest request) {
        return stripQueryParameters(request).mutate().headers(this::strip).build();
    }

    /**
     * Removes, in place, every credential header this converter reads from {@code headers}: the
     * {@code Authorization} values in one of its schemes (values in other schemes stay) and the
     * whole-value headers. Meant for the writable headers of a {@link ServerHttpRequest.Builder}
     * ({@code builder.headers(converter::strip)}).
     */
    public void strip(HttpHeaders headers) {
        if (!schemes.isEmpty()) {
            List<String> kept = otherAuthorizations(headers);
            headers.remove(HttpHeaders.AUTHORIZATION);
            if (kept != null) {
                headers.put(HttpHeaders.AUTHORIZATION, kept);
            }
        }
        for (String header : this.headers) {
            headers.remove(header);
        }
    }

    /**
     * {@code request} without the credential query parameters: the same request when none is
     * configured or present (the usual case, which costs nothing), else a mutated copy with a new
     * URI.
     */
    public ServerHttpRequest stripQueryParameters(ServerHttpRequest request) {
        if (queryParameters.isEmpty()
                || queryParameters.stream().noneMatch(request.getQueryParams()::containsKey)) {
            return request;
        }
        UriComponentsBuilder uri = UriComponentsBuilder.fromUri(request.getURI());
        queryParameters.forEach(p -> uri.replaceQueryParam(p));
        return request.mutate().uri(uri.build(true).toUri()).build();
    }

    @Override
    public String toString() {
        return "ApiKeyCredentialConverter[schemes="
                + schemes
                + ", headers="
                + headers
                + ", queryParameters="
                + queryParameters
                + "]";
    }
}
