package dev.keygate.gateway.authentication;

import dev.keygate.core.key.KeyRecord;
import dev.keygate.gateway.config.KeygateGatewayProperties.IdentityHeaders;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
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
 *       WSGI, PHP and Rack upstreams read both spellings as the same variable; so are the {@code _}
 *       spellings of the forwarding headers ({@code X_Forwarded_For});
 *   <li>with credentials stripped (the default), the {@code Authorization} values in Keygate's
 *       schemes are hidden (other schemes, say {@code Basic}, stay), on every route;
 *   <li>the headers the caller named in {@code Connection} are hidden, and {@code Connection}
 *       itself is: {@link RemoveHopByHopHeadersFilter}, which runs later and removes every header
 *       named there, then has nothing to remove, so it cannot remove the identity headers however
 *       the caller spells their names (quoted, escaped, with inner spaces);
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

    private final Predicate<String> guardedNames = this::isGuarded;

    /** Forwarding headers whose {@code _} spellings are hidden too (the real ones are SCG's). */
    private static final String[] FORWARDED = {
        "forwarded",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-forwarded-port",
        "x-forwarded-prefix"
    };

    /** A client address header no part of the gateway sets: hidden in every spelling. */
    private static final String CLIENT_IP = "x-real-ip";

    /**
     * The overlaid names: the identity headers, {@code Connection}, {@code
     * Access-Control-Request-Method}, then (when stripping) {@code Authorization} and the
     * whole-value credential headers.
     */
    private final String[] overlaid;

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
        Predicate<String> hidden = guardedNames;
        // absent headers stay absent: asking for one would allocate an empty list
        if (input.containsHeader(HttpHeaders.CONNECTION)) {
            // the headers the caller named in Connection are hidden here, read with the tokenizer
            // the hop-by-hop filter uses (quotes, escapes and inner spaces included), and no
            // Connection goes on: nothing downstream can remove a header by naming it there
            Set<String> named = new HashSet<>();
            for (String token : input.getConnection()) {
                named.add(token.toLowerCase(Locale.ROOT));
            }
            hidden = name -> isGuarded(name) || named.contains(name.toLowerCase(Locale.ROOT));
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
        return new HttpHeaders(new HeaderOverlay(input, overlaid, values, hidden));
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
        if (name.length() == CLIENT_IP.length() && sameIgnoringUnderscores(CLIENT_IP, name)) {
            return true; // nobody in this chain sets it: a caller's own would be believed upstream
        }
        if (name.indexOf('_') >= 0) {
            // X_Forwarded_For: Spring Cloud Gateway manages the real ones, not these spellings
            for (String candidate : FORWARDED) {
                if (candidate.length() == name.length()
                        && sameIgnoringUnderscores(candidate, name)) {
                    return true;
                }
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
