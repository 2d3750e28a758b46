package dev.keygate.gateway.authentication;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Pulls the API key out of a request, from the configured places: {@code Authorization} schemes
 * (default {@code Bearer} and {@code Apikey}), whole-value headers (default {@code X-Api-Key}) and,
 * only when configured, query parameters. It never looks at the value beyond trimming it: parsing
 * is the parser's job. Two different values anywhere make the request {@link
 * CredentialExtraction#AMBIGUOUS}; the same value in two places counts once.
 *
 * <p>The default {@link ApiKeyCredentialResolver}. {@link #valueHeaderNames()}, {@link
 * #otherAuthorizations(HttpHeaders)} and {@link #stripQueryParameters(ServerHttpRequest)} say what
 * to remove so that the key never reaches the upstream ({@link UpstreamHeadersFilter} removes the
 * headers, {@link #withoutCredentials} the query parameters when stripping is on). Other {@code
 * Authorization} schemes (say {@code Basic}) are left alone. Immutable and thread-safe.
 */
public final class ApiKeyCredentialConverter implements ApiKeyCredentialResolver {

    private final List<String> schemes;
    private final List<String> headers;
    private final List<String> queryParameters;
    private final boolean strip;

    /** A converter that strips credential query parameters ({@link #withoutCredentials}). */
    public ApiKeyCredentialConverter(
            List<String> authorizationSchemes, List<String> headers, List<String> queryParameters) {
        this(authorizationSchemes, headers, queryParameters, true);
    }

    /**
     * @param strip whether {@link #withoutCredentials} removes credential query parameters ({@code
     *     keygate.gateway.credentials.strip})
     */
    public ApiKeyCredentialConverter(
            List<String> authorizationSchemes,
            List<String> headers,
            List<String> queryParameters,
            boolean strip) {
        this.strip = strip;
        this.schemes = authorizationSchemes.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
        this.headers = List.copyOf(headers);
        this.queryParameters = List.copyOf(queryParameters);
    }

    /** Finds the credential in {@code request}. */
    @Override
    public CredentialExtraction resolve(ServerHttpRequest request) {
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
        // the scheme ends at the first whitespace, a tab included: a value that reads as one of
        // our schemes to any parser downstream must read as ours here too (and be stripped)
        int schemeEnd = start;
        while (schemeEnd < end && value.charAt(schemeEnd) > ' ') {
            schemeEnd++;
        }
        for (String scheme : schemes) {
            if (scheme.length() == schemeEnd - start
                    && value.regionMatches(true, start, scheme, 0, scheme.length())) {
                return schemeEnd;
            }
        }
        return -1;
    }

    /** The headers whose whole value is a key (not {@code Authorization}). */
    public List<String> valueHeaderNames() {
        return headers;
    }

    /**
     * The {@code Authorization} values in schemes this converter does not read (say {@code Basic}),
     * which stay when the credential is stripped; {@code null} when there are none.
     */
    public List<String> otherAuthorizations(HttpHeaders requestHeaders) {
        return otherAuthorizations(requestHeaders.get(HttpHeaders.AUTHORIZATION));
    }

    private List<String> otherAuthorizations(List<String> authorization) {
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

    /** {@code request} without credential query parameters when stripping is on. */
    @Override
    public ServerHttpRequest withoutCredentials(ServerHttpRequest request) {
        return strip ? stripQueryParameters(request) : request;
    }

    /**
     * {@code request} without the credential query parameters: the same request when none is
     * configured or present (the usual case, which costs nothing), else a mutated copy with a new
     * URI. A parameter is recognised by its decoded name, as {@link #resolve} reads it, so {@code
     * api%5Fkey} is removed with {@code api_key}; every other parameter keeps its raw form.
     */
    public ServerHttpRequest stripQueryParameters(ServerHttpRequest request) {
        if (queryParameters.isEmpty()
                || queryParameters.stream().noneMatch(request.getQueryParams()::containsKey)) {
            return request;
        }
        URI uri = request.getURI();
        StringBuilder kept = new StringBuilder();
        for (String pair : uri.getRawQuery().split("&")) {
            if (!queryParameters.contains(decode(parameterName(pair)))) {
                if (kept.length() > 0) {
                    kept.append('&');
                }
                kept.append(pair);
            }
        }
        // the raw form, not re-parsed: a rebuilt query could read differently from this one
        String raw = uri.toString();
        String withoutQuery = raw.substring(0, raw.indexOf('?'));
        URI stripped = URI.create(kept.length() == 0 ? withoutQuery : withoutQuery + "?" + kept);
        return request.mutate().uri(stripped).build();
    }

    /**
     * The raw name of one {@code &}-separated pair as Spring reads it (its query pattern {@code
     * ([^&=]+)(=?)([^&]+)?} skips leading {@code =}): {@code ==api_key=K} is {@code api_key}.
     */
    private static String parameterName(String pair) {
        int start = 0;
        while (start < pair.length() && pair.charAt(start) == '=') {
            start++;
        }
        int equals = pair.indexOf('=', start);
        return pair.substring(start, equals < 0 ? pair.length() : equals);
    }

    /** A query parameter name decoded as Spring decodes it; undecodable names stay as they are. */
    private static String decode(String rawName) {
        try {
            return URLDecoder.decode(rawName, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException ex) {
            return rawName;
        }
    }

    @Override
    public String toString() {
        return "ApiKeyCredentialConverter[strip="
                + strip
                + ", schemes="
                + schemes
                + ", headers="
                + headers
                + ", queryParameters="
                + queryParameters
                + "]";
    }
}
