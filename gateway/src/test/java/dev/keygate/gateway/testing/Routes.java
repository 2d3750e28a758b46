package dev.keygate.gateway.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Spring Cloud Gateway routes as properties ({@code spring.cloud.gateway.server.webflux.routes}),
 * all to one upstream, in the order given (the first that matches wins). Not thread-safe.
 *
 * <pre>{@code
 * Routes.to(uri).route("public", "/public/**", "public", "true").route("rest", "/**").properties()
 * }</pre>
 */
public final class Routes {

    private static final String PREFIX = "spring.cloud.gateway.server.webflux.routes";

    private final String uri;
    private final Map<String, String> properties = new LinkedHashMap<>();
    private int count;

    private Routes(String uri) {
        this.uri = uri;
    }

    /** Routes to {@code uri}. */
    public static Routes to(String uri) {
        return new Routes(uri);
    }

    /**
     * One more route: {@code id}, {@code Path=path}, and Keygate metadata as name, value pairs
     * ({@code "scopes", "orders:read"} becomes {@code metadata.keygate.scopes}).
     */
    public Routes route(String id, String path, String... keygateMetadata) {
        String route = PREFIX + "[" + count++ + "]";
        properties.put(route + ".id", id);
        properties.put(route + ".uri", uri);
        properties.put(route + ".predicates[0]", "Path=" + path);
        for (int i = 0; i < keygateMetadata.length; i += 2) {
            properties.put(
                    route + ".metadata.keygate." + keygateMetadata[i], keygateMetadata[i + 1]);
        }
        return this;
    }

    /** The routes so far, as properties. */
    public Map<String, String> properties() {
        return new LinkedHashMap<>(properties);
    }
}
