package dev.keygate.admin.pages;

import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.header.ReferrerPolicyServerHttpHeadersWriter;
import org.springframework.security.web.server.header.XFrameOptionsServerHttpHeadersWriter;

/**
 * The response headers of Keygate's pages (operator console, developer portal), on top of Spring
 * Security's defaults: a Content-Security-Policy without inline scripts or styles, nothing from
 * another origin, forms posting only to the page's own origin, no framing ({@code frame-ancestors
 * 'none'} and {@code X-Frame-Options: DENY}), and {@code Referrer-Policy: same-origin}.
 */
public final class PageHeaders {

    /** No inline script or style, nothing from elsewhere, no framing, forms post only here. */
    public static final String CONTENT_SECURITY_POLICY =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                    + " connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none';"
                    + " frame-ancestors 'none'";

    private PageHeaders() {}

    /** Applies the pages' headers to a chain: {@code .headers(PageHeaders::apply)}. */
    public static void apply(ServerHttpSecurity.HeaderSpec headers) {
        headers.contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                .frameOptions(frame -> frame.mode(XFrameOptionsServerHttpHeadersWriter.Mode.DENY))
                .referrerPolicy(
                        referrer ->
                                referrer.policy(
                                        ReferrerPolicyServerHttpHeadersWriter.ReferrerPolicy
                                                .SAME_ORIGIN));
    }
}
