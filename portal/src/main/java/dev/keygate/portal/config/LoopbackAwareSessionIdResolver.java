package dev.keygate.portal.config;

import java.util.List;
import org.springframework.http.ResponseCookie;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.session.CookieWebSessionIdResolver;

/**
 * The session cookie: HttpOnly, SameSite=Lax (the sign-in's return from the provider is a
 * cross-site navigation, which a Strict cookie would not survive), path {@code /}, and Secure
 * unless the page was asked for on a loopback host ({@code localhost}, {@code 127.0.0.1}, {@code
 * [::1]}), so a local run over plain HTTP works and every other host gets a cookie the browser
 * sends over HTTPS only (behind a TLS-terminating proxy the portal itself may see plain HTTP).
 * Thread-safe.
 */
final class LoopbackAwareSessionIdResolver extends CookieWebSessionIdResolver {

    /** The session cookie's name (the demo provider on the same host uses another one). */
    static final String COOKIE_NAME = "KEYGATE_PORTAL_SESSION";

    LoopbackAwareSessionIdResolver() {
        setCookieName(COOKIE_NAME);
        addCookieInitializer(cookie -> cookie.httpOnly(true).sameSite("Lax").path("/"));
    }

    @Override
    public void setSessionId(ServerWebExchange exchange, String id) {
        super.setSessionId(exchange, id);
        if (!isLoopback(exchange)) {
            List<ResponseCookie> cookies = exchange.getResponse().getCookies().get(COOKIE_NAME);
            if (cookies != null) {
                cookies.replaceAll(cookie -> cookie.mutate().secure(true).build());
            }
        }
    }

    @Override
    public void expireSession(ServerWebExchange exchange) {
        super.expireSession(exchange);
        if (!isLoopback(exchange)) {
            List<ResponseCookie> cookies = exchange.getResponse().getCookies().get(COOKIE_NAME);
            if (cookies != null) {
                cookies.replaceAll(cookie -> cookie.mutate().secure(true).build());
            }
        }
    }

    /** IPv4 loopback literals, 127.0.0.0/8. */
    private static final java.util.regex.Pattern IPV4_LOOPBACK =
            java.util.regex.Pattern.compile("127(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]{1,2})){3}");

    /**
     * Whether the request names a loopback host. Textual only: the host is never resolved (a DNS
     * lookup would block the event loop, and the Host header is the caller's).
     */
    static boolean isLoopback(ServerWebExchange exchange) {
        String host = exchange.getRequest().getURI().getHost();
        if (host == null) {
            return false;
        }
        String name = host.toLowerCase(java.util.Locale.ROOT);
        return name.equals("localhost")
                || name.equals("[::1]")
                || name.equals("::1")
                || IPV4_LOOPBACK.matcher(name).matches();
    }
}
