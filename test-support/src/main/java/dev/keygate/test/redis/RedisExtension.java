package dev.keygate.test.redis;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Gives tests a real Redis, shared by every test in the JVM and stopped when the JVM's tests end.
 * Declare a {@link RedisServer} parameter (constructor, lifecycle or test method) and annotate the
 * class with {@code @ExtendWith(RedisExtension.class)}.
 *
 * <p>Where the server comes from, in order:
 *
 * <ol>
 *   <li>{@code REDIS_URL} ({@code redis://host:port}) when set: an existing server, never stopped
 *       by the tests. Tests call {@code FLUSHALL}, so never point it at a server holding data.
 *   <li>Testcontainers ({@code redis:7}) when a Docker engine answers.
 *   <li>A {@code redis-server} process from the PATH ({@link RedisProcess}).
 * </ol>
 *
 * {@code KEYGATE_TEST_REDIS=process} or {@code =testcontainers} forces one of the last two. When
 * none is possible the test fails with a message that says how to get a Redis.
 */
public final class RedisExtension implements ParameterResolver {

    private static final Logger log = LoggerFactory.getLogger(RedisExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(RedisExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RedisServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
            throws ParameterResolutionException {
        return sharedServer(context);
    }

    /** The JVM-wide server, started on first use. */
    public static RedisServer sharedServer(ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent("server", key -> new Holder(startServer()), Holder.class)
                .server;
    }

    static RedisServer startServer() {
        String url = System.getenv("REDIS_URL");
        if (url != null && !url.isBlank()) {
            URI uri = URI.create(url);
            RedisServer external =
                    new External(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 6379);
            log.info("Using {}", external.describe());
            return external;
        }
        String forced = System.getenv().getOrDefault("KEYGATE_TEST_REDIS", "");
        if (!"process".equals(forced) && ("testcontainers".equals(forced) || dockerLikely())) {
            try {
                if (DockerClientFactory.instance().isDockerAvailable()) {
                    return new Container();
                }
            } catch (RuntimeException | LinkageError ex) {
                log.info("Docker is not usable ({}); trying redis-server", ex.toString());
            }
        }
        RedisProcess process = RedisProcess.launch();
        log.info("Using {}", process.describe());
        return process;
    }

    private static boolean dockerLikely() {
        return System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(
                        Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock"));
    }

    private record External(String host, int port) implements RedisServer {
        @Override
        public String describe() {
            return "external Redis at " + host + ":" + port + " (REDIS_URL)";
        }
    }

    private static final class Container implements RedisServer, AutoCloseable {
        private final GenericContainer<?> container;

        Container() {
            container =
                    new GenericContainer<>(DockerImageName.parse("redis:7"))
                            .withExposedPorts(6379)
                            .withCommand("redis-server", "--save", "", "--appendonly", "no");
            container.start();
        }

        @Override
        public String host() {
            return container.getHost();
        }

        @Override
        public int port() {
            return container.getMappedPort(6379);
        }

        @Override
        public String describe() {
            return "Testcontainers redis:7 at " + host() + ":" + port();
        }

        @Override
        public void close() {
            container.stop();
        }
    }

    /** Closes the server when the root context closes (end of the test JVM's run). */
    private record Holder(RedisServer server) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            if (server instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }
}
