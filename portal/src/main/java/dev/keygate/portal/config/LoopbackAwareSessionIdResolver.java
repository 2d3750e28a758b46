package dev.keygate.portal.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
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

    static boolean isLoopback(ServerWebExchange exchange) {
        String host = exchange.getRequest().getURI().getHost();
        if (host == null) {
            InetSocketAddress local = exchange.getRequest().getLocalAddress();
            return local != null
                    && local.getAddress() != null
                    && local.getAddress().isLoopbackAddress();
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // a name other than localhost: never resolved here
        }
        try {
            InetAddress address = InetAddress.getByName(literal);
            return address.isLoopbackAddress();
        } catch (java.net.UnknownHostException ex) {
            return false;
        }
    }
}
