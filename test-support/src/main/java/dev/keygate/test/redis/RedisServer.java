package dev.keygate.test.redis;

/**
 * A real Redis server that a test may talk to. Obtain one by declaring a parameter of this type in
 * a test annotated with {@code @ExtendWith(RedisExtension.class)}, or start a private one with
 * {@link RedisProcess#launch(String...)} when the test needs to stop, freeze or restart it.
 *
 * <p>Implementations are thread-safe.
 */
public interface RedisServer {

    /** The host to connect to, always a loopback address or the container host. */
    String host();

    /** The port the server listens on. */
    int port();

    /**
     * A {@code redis://host:port} URI, as Lettuce and Spring Boot's {@code spring.data.redis.url}
     * take it.
     */
    default String uri() {
        return "redis://" + host() + ":" + port();
    }

    /** A short human description of where this server comes from, for test logs. */
    String describe();

    /**
     * Sends one command over a fresh connection and returns the decoded reply (see {@link
     * RespClient#command(String...)}). Meant for test set-up and assertions, never for code under
     * test.
     */
    default Object command(String... args) {
        try (RespClient client = RespClient.connect(host(), port())) {
            return client.command(args);
        }
    }

    /** Removes every key, so each test starts from an empty database. */
    default void flushAll() {
        command("FLUSHALL");
    }
}
