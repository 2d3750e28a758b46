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
 * <p>{@link #strip(HttpHeaders)} and {@link #stripQueryParameters(ServerHttpRequest,
 * ServerHttpRequest.Builder)} remove every credential this converter reads, inside a request
 * mutation the caller makes anyway, so the key never reaches the upstream. Other {@code
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
            List<String> values = requestHeaders.get(header);
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
        if (value == null) {
            return null;
        }
        String trimmed = value.trim();
        int space = trimmed.indexOf(' ');
        String scheme =
                (space < 0 ? trimmed : trimmed.substring(0, space)).toLowerCase(Locale.ROOT);
        if (!schemes.contains(scheme)) {
            return null;
        }
        return space < 0 ? "" : trimmed.substring(space + 1).trim();
    }

    /**
     * A copy of {@code request} with every credential this converter reads removed. The filter does
     * not use this (it strips inside its own single mutation, with {@link #strip(HttpHeaders)} and
     * {@link #stripQueryParameters(ServerHttpRequest, ServerHttpRequest.Builder)}); it is the same
     * thing for a caller with nothing else to change.
     */
    public ServerHttpRequest strip(ServerHttpRequest request) {
        ServerHttpRequest.Builder builder = request.mutate().headers(this::strip);
        stripQueryParameters(request, builder);
        return builder.build();
    }

    /**
     * Removes, in place, every credential header this converter reads from {@code headers}: the
     * {@code Authorization} values in one of its schemes (values in other schemes stay) and the
     * whole-value headers. Meant for the writable headers of a {@link ServerHttpRequest.Builder}
     * ({@code builder.headers(converter::strip)}), so that stripping costs no mutation of its own.
     */
    public void strip(HttpHeaders headers) {
        List<String> authorization = headers.get(HttpHeaders.AUTHORIZATION);
        if (authorization != null) {
            List<String> kept = null;
            for (String value : authorization) {
                if (schemeToken(value) == null) {
                    if (kept == null) {
                        kept = new ArrayList<>(authorization.size());
                    }
                    kept.add(value);
                }
            }
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
     * Removes the credential query parameters (only when some are configured and present) by giving
     * {@code builder} a new URI; otherwise leaves {@code builder} alone.
     *
     * @param request the request {@code builder} was made from
     * @param builder its mutation
     */
    public void stripQueryParameters(ServerHttpRequest request, ServerHttpRequest.Builder builder) {
        if (!queryParameters.isEmpty()
                && queryParameters.stream().anyMatch(request.getQueryParams()::containsKey)) {
            UriComponentsBuilder uri = UriComponentsBuilder.fromUri(request.getURI());
            queryParameters.forEach(p -> uri.replaceQueryParam(p));
            builder.uri(uri.build(true).toUri());
        }
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
