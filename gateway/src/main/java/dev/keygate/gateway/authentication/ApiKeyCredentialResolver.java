package dev.keygate.gateway.authentication;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Finds the API key in a request: none, one, or two different ones (ambiguous). One of the
 * replaceable parts of the request path (a bean; define your own to replace {@link
 * ApiKeyCredentialConverter}, the default). Must be thread-safe and must not block. The identity
 * and credential headers the upstream must not see are hidden by {@link UpstreamHeadersFilter} from
 * {@code keygate.gateway.credentials.*}, whatever resolver is used.
 */
@FunctionalInterface
public interface ApiKeyCredentialResolver {

    /** What {@code request} presents; never echo or log the value. */
    CredentialExtraction resolve(ServerHttpRequest request);

    /**
     * {@code request} without the credential in places a header filter cannot reach (query
     * parameters): the same instance when there is nothing to remove. The default removes nothing.
     */
    default ServerHttpRequest withoutCredentials(ServerHttpRequest request) {
        return request;
    }
}
