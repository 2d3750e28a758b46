package dev.keygate.admin.problem;

import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The stable problem types of the admin API (RFC 9457 {@code type}), each with its status and
 * title. The URIs are identifiers: clients compare them, they need not resolve.
 */
public enum ProblemType {
    VALIDATION("validation", HttpStatus.BAD_REQUEST, "The request is not valid"),
    MALFORMED_BODY("malformed-body", HttpStatus.BAD_REQUEST, "The request body is not valid JSON"),
    UNAUTHORIZED("unauthorized", HttpStatus.UNAUTHORIZED, "Admin authentication required"),
    FORBIDDEN("forbidden", HttpStatus.FORBIDDEN, "Not allowed for this admin token"),
    NOT_FOUND("not-found", HttpStatus.NOT_FOUND, "Not found"),
    METHOD_NOT_ALLOWED("method-not-allowed", HttpStatus.METHOD_NOT_ALLOWED, "Method not allowed"),
    NOT_ACCEPTABLE("not-acceptable", HttpStatus.NOT_ACCEPTABLE, "Not acceptable"),
    UNSUPPORTED_MEDIA_TYPE(
            "unsupported-media-type", HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    PAYLOAD_TOO_LARGE("payload-too-large", HttpStatus.CONTENT_TOO_LARGE, "Request body too large"),
    IDEMPOTENCY_MISMATCH(
            "idempotency-key-reused",
            HttpStatus.UNPROCESSABLE_CONTENT,
            "Idempotency-Key reused with a different request"),
    IDEMPOTENCY_IN_PROGRESS(
            "idempotency-key-in-progress",
            HttpStatus.CONFLICT,
            "A request with this Idempotency-Key is still in progress"),
    NO_GRACE_PERIOD(
            "no-grace-period", HttpStatus.CONFLICT, "The key is not in a rotation's grace period"),
    KEY_LIMIT_REACHED(
            "key-limit-reached",
            HttpStatus.CONFLICT,
            "The owner already has as many keys as allowed"),
    TOO_MANY_REQUESTS("too-many-requests", HttpStatus.TOO_MANY_REQUESTS, "Too many requests"),
    STORE_UNAVAILABLE(
            "store-unavailable", HttpStatus.SERVICE_UNAVAILABLE, "The key store is unavailable"),
    BAD_REQUEST("bad-request", HttpStatus.BAD_REQUEST, "Bad request"),
    INTERNAL("internal", HttpStatus.INTERNAL_SERVER_ERROR, "Internal error");

    /** The common base of every type URI. */
    public static final String BASE = "https://keygate.dev/problems/";

    /** The extension member listing the offending fields ({@link Problem.FieldError}s). */
    public static final String ERRORS = "errors";

    /** The extension member carrying the request's {@code X-Request-Id}. */
    public static final String REQUEST_ID = "requestId";

    private final URI uri;
    private final HttpStatus status;
    private final String title;

    ProblemType(String slug, HttpStatus status, String title) {
        this.uri = URI.create(BASE + slug);
        this.status = status;
        this.title = title;
    }

    public URI uri() {
        return uri;
    }

    public HttpStatus status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** A problem of this type; {@code errors} become the {@value #ERRORS} member when not empty. */
    public ProblemDetail toProblemDetail(String detail, List<Problem.FieldError> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(uri);
        problem.setTitle(title);
        if (!errors.isEmpty()) {
            problem.setProperty(ERRORS, List.copyOf(errors));
        }
        return problem;
    }
}
