package dev.keygate.gateway.authentication;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.gateway.config.KeygateGatewayProperties.IdentityHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * Writes the headers Keygate controls into the request Spring Cloud Gateway sends upstream. It is
 * an {@link HttpHeadersFilter}: the proxy ({@code NettyRoutingFilter}, {@code
 * WebsocketRoutingFilter}) runs every such filter, in order, on the headers it is about to send,
 * and this one runs last ({@link #ORDER}), after {@link RemoveHopByHopHeadersFilter} has removed
 * every header the caller named in {@code Connection}. So, whatever the caller sent:
 *
 * <ul>
 *   <li>every header whose name, with {@code _} read as {@code -} and case ignored, is an identity
 *       header ({@code X_Api_Key_Owner} for {@code X-Api-Key-Owner}), or a whole-value credential
 *       header when credentials are stripped, is removed, on every route, public ones included:
 *       CGI, WSGI, PHP and Rack upstreams read both spellings as the same variable;
 *   <li>with credentials stripped (the default), the {@code Authorization} values in Keygate's
 *       schemes are removed (other schemes, say {@code Basic}, stay), on every route;
 *   <li>for a request {@link ApiKeyAuthenticationFilter} verified (the record is in the exchange
 *       attribute {@link ApiKeyAuthenticationFilter#VERIFIED_KEY_ATTRIBUTE}), the identity headers
 *       are set from that record, after the caller's {@code Connection} tokens were applied, so
 *       they cannot be removed by naming them there;
 *   <li>for a CORS preflight that is forwarded ({@link PreflightForwardingWebFilter}), its {@code
 *       Access-Control-Request-Method} is put back.
 * </ul>
 *
 * <p>The input is normally the fresh, writable copy the hop-by-hop filter made; it is changed in
 * place then, and copied first when it is anything else (the request's own, read-only headers).
 * Immutable and thread-safe; runs on the event loop, never blocks.
 */
public final class UpstreamHeadersFilter implements HttpHeadersFilter, Ordered {

    /**
     * After every other request headers filter, {@link RemoveHopByHopHeadersFilter} ({@code
     * LOWEST_PRECEDENCE - 1}) included.
     */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE;

    private final IdentityHeaders identity;
    private final ApiKeyCredentialConverter converter;
    private final boolean stripCredentials;

    /** Names removed in any spelling, lower case with '-' for '_'. */
    private final String[] guarded;

    public UpstreamHeadersFilter(
            IdentityHeaders identity,
            ApiKeyCredentialConverter converter,
            boolean stripCredentials) {
        this.identity = identity;
        this.converter = converter;
        this.stripCredentials = stripCredentials;
        List<String> names = new ArrayList<>(identity.all());
        if (stripCredentials) {
            names.addAll(converter.valueHeaderNames());
        }
        this.guarded =
                names.stream()
                        .map(name -> name.toLowerCase(Locale.ROOT).replace('_', '-'))
                        .distinct()
                        .toArray(String[]::new);
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        HttpHeaders headers = isWritableCopy(input, exchange) ? input : copy(input);
        List<String> removed = null;
        for (String name : headers.headerNames()) {
            if (isGuarded(name)) {
                if (removed == null) {
                    removed = new ArrayList<>(4);
                }
                removed.add(name);
            }
        }
        if (removed != null) {
            removed.forEach(headers::remove);
        }
        if (stripCredentials && headers.containsHeader(HttpHeaders.AUTHORIZATION)) {
            List<String> kept = converter.otherAuthorizations(headers);
            headers.remove(HttpHeaders.AUTHORIZATION);
            if (kept != null) {
                headers.put(HttpHeaders.AUTHORIZATION, kept);
            }
        }
        KeyRecord record = exchange.getAttribute(ApiKeyAuthenticationFilter.VERIFIED_KEY_ATTRIBUTE);
        if (record != null) {
            headers.set(identity.id(), record.id());
            headers.set(identity.owner(), record.owner());
            headers.set(identity.scopes(), record.joinedScopes());
            headers.set(identity.organizations(), record.joinedOrganizations());
        }
        String preflightMethod =
                exchange.getAttribute(PreflightForwardingWebFilter.REQUEST_METHOD_ATTRIBUTE);
        if (preflightMethod != null) {
            headers.set(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, preflightMethod);
        }
        return headers;
    }

    /**
     * Whether {@code name}, with '_' read as '-' and case ignored, is one of the guarded names; no
     * allocation.
     */
    private boolean isGuarded(String name) {
        for (String candidate : guarded) {
            if (candidate.length() == name.length() && sameIgnoringUnderscores(candidate, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameIgnoringUnderscores(String lowerDashed, String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '_') {
                c = '-';
            } else if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != lowerDashed.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code input} is a plain, writable copy made by an earlier filter (the hop-by-hop
     * filter always makes one), not the request's own read-only headers.
     */
    private static boolean isWritableCopy(HttpHeaders input, ServerWebExchange exchange) {
        return input.getClass() == HttpHeaders.class && input != exchange.getRequest().getHeaders();
    }

    private static HttpHeaders copy(HttpHeaders headers) {
        HttpHeaders copy = new HttpHeaders();
        copy.putAll(headers);
        return copy;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public String toString() {
        return "UpstreamHeadersFilter[identity="
                + identity.all()
                + ", stripCredentials="
                + stripCredentials
                + "]";
    }
}
