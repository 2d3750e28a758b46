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
 * WebsocketRoutingFilter}) runs every such filter, in order, on the headers it is about to send.
 * This one runs first ({@link #ORDER}) and hands on a read-only view of the request's headers
 * ({@link HeaderOverlay}, not a copy: the next filter, the hop-by-hop one, copies them anyway) in
 * which:
 *
 * <ul>
 *   <li>every header whose name, with {@code _} read as {@code -} and case ignored, is an identity
 *       header ({@code X_Api_Key_Owner} for {@code X-Api-Key-Owner}), or a whole-value credential
 *       header when credentials are stripped, is hidden, on every route, public ones included: CGI,
 *       WSGI, PHP and Rack upstreams read both spellings as the same variable;
 *   <li>with credentials stripped (the default), the {@code Authorization} values in Keygate's
 *       schemes are hidden (other schemes, say {@code Basic}, stay), on every route;
 *   <li>{@code Connection} loses every token that names one of those headers, so {@link
 *       RemoveHopByHopHeadersFilter}, which runs later and removes every header the caller named in
 *       {@code Connection}, cannot remove the identity headers;
 *   <li>for a request {@link ApiKeyAuthenticationFilter} verified (the record is in the exchange
 *       attribute {@link ApiKeyAuthenticationFilter#VERIFIED_KEY_ATTRIBUTE}), the identity headers
 *       are set from that record;
 *   <li>for a CORS preflight that is forwarded ({@link PreflightForwardingWebFilter}), its {@code
 *       Access-Control-Request-Method} is put back.
 * </ul>
 *
 * <p>First, not last: the filters after it (Spring Cloud Gateway's observation filter logs every
 * header at debug level, tracing reads them) never see the credential. Immutable and thread-safe;
 * runs on the event loop, never blocks.
 */
public final class UpstreamHeadersFilter implements HttpHeadersFilter, Ordered {

    /** Before every other request headers filter. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

    private final IdentityHeaders identity;
    private final ApiKeyCredentialConverter converter;
    private final boolean stripCredentials;

    /** Names removed in any spelling, lower case with '-' for '_'. */
    private final String[] guarded;

    /**
     * The overlaid names: the identity headers, {@code Connection}, {@code
     * Access-Control-Request-Method}, then (when stripping) {@code Authorization} and the
     * whole-value credential headers.
     */
    private final String[] overlaid;

    private static final int CONNECTION = 4;
    private static final int PREFLIGHT_METHOD = 5;
    private static final int AUTHORIZATION = 6;

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
        List<String> overlay = new ArrayList<>(identity.all());
        overlay.add(HttpHeaders.CONNECTION);
        overlay.add(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
        if (stripCredentials) {
            overlay.add(HttpHeaders.AUTHORIZATION);
            for (String header : converter.valueHeaderNames()) {
                if (overlay.stream().noneMatch(header::equalsIgnoreCase)) {
                    overlay.add(header);
                }
            }
        }
        this.overlaid = overlay.toArray(String[]::new);
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        @SuppressWarnings("unchecked")
        List<String>[] values = new List[overlaid.length];
        KeyRecord record = exchange.getAttribute(ApiKeyAuthenticationFilter.VERIFIED_KEY_ATTRIBUTE);
        if (record != null) {
            values[0] = List.of(record.id());
            values[1] = List.of(record.owner());
            values[2] = List.of(record.joinedScopes());
            values[3] = List.of(record.joinedOrganizations());
        }
        // absent headers stay absent: asking for one would allocate an empty list
        if (input.containsHeader(HttpHeaders.CONNECTION)) {
            values[CONNECTION] = withoutGuardedTokens(input.get(HttpHeaders.CONNECTION));
        }
        String preflightMethod =
                exchange.getAttribute(PreflightForwardingWebFilter.REQUEST_METHOD_ATTRIBUTE);
        if (preflightMethod != null) {
            values[PREFLIGHT_METHOD] = List.of(preflightMethod);
        } else if (input.containsHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD)) {
            values[PREFLIGHT_METHOD] = input.get(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD);
        }
        if (stripCredentials && input.containsHeader(HttpHeaders.AUTHORIZATION)) {
            values[AUTHORIZATION] = converter.otherAuthorizations(input);
        }
        // the other credential headers stay null: removed
        return new HttpHeaders(new HeaderOverlay(input, overlaid, values, this::isGuarded));
    }

    /**
     * {@code Connection} values without the tokens that name a guarded header: the same list when
     * there are none (the usual {@code keep-alive}).
     */
    private List<String> withoutGuardedTokens(List<String> values) {
        boolean guardedToken = false;
        for (String value : values) {
            for (String token : value.split(",")) {
                guardedToken |= isGuarded(token.trim());
            }
        }
        if (!guardedToken) {
            return values;
        }
        List<String> kept = new ArrayList<>(values.size());
        for (String value : values) {
            StringBuilder tokens = new StringBuilder(value.length());
            for (String token : value.split(",")) {
                String trimmed = token.trim();
                if (!isGuarded(trimmed)) {
                    append(tokens, trimmed);
                }
            }
            if (tokens.length() > 0) {
                kept.add(tokens.toString());
            }
        }
        return kept;
    }

    private static void append(StringBuilder tokens, String token) {
        if (token.isEmpty()) {
            return;
        }
        if (tokens.length() > 0) {
            tokens.append(", ");
        }
        tokens.append(token);
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
