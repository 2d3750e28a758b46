package dev.keygate.admin.auth;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Pulls the admin token out of a request: exactly one {@code Authorization: Bearer <token>} header
 * (RFC 6750 {@code b64token} syntax). The query string is never looked at. Stateless and
 * thread-safe.
 */
public final class BearerTokenConverter {

    private static final Pattern BEARER =
            Pattern.compile("^Bearer ([A-Za-z0-9._~+/-]+=*)$", Pattern.CASE_INSENSITIVE);

    /** The longest header value looked at; longer ones are malformed. */
    static final int MAX_HEADER_LENGTH = 1024;

    /** The outcome of reading the header. */
    public sealed interface Result {
        /** No {@code Authorization} header. */
        record Missing() implements Result {}

        /** A header that is not exactly one well-formed bearer token. */
        record Malformed() implements Result {}

        /** A well-formed token (not yet checked). */
        record Presented(String token) implements Result {
            @Override
            public String toString() {
                return "Presented[<redacted>]";
            }
        }
    }

    public Result convert(ServerHttpRequest request) {
        List<String> values = request.getHeaders().getOrEmpty(HttpHeaders.AUTHORIZATION);
        if (values.isEmpty()) {
            return new Result.Missing();
        }
        if (values.size() > 1) {
            return new Result.Malformed();
        }
        String value = values.get(0);
        if (value.length() > MAX_HEADER_LENGTH) {
            return new Result.Malformed();
        }
        Matcher matcher = BEARER.matcher(value);
        return Optional.of(matcher)
                .filter(Matcher::matches)
                .<Result>map(m -> new Result.Presented(m.group(1)))
                .orElseGet(Result.Malformed::new);
    }
}
