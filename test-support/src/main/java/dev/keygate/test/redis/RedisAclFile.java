package dev.keygate.test.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ACL file Keygate ships ({@code deploy/redis/users.acl}), rendered for a test by the script
 * the deployments run ({@code deploy/redis/render-acl.sh}, through {@code sh}), with test
 * passwords: start a server with it through {@code RedisProcess.launch("--aclfile",
 * file.path().toString())}. The rendered file gets one extra line, a test-only {@value
 * #OPERATOR_USER} user with every permission, so a test can read {@code ACL LOG} (the denials Redis
 * recorded) and prove that a service was never refused, even where it swallows the error. Nothing
 * of that user is in the deployed file.
 *
 * <p>The renderer targets the same {@code redis-server} {@link RedisProcess} starts ({@code
 * REDIS_SERVER_BIN}, else the PATH, else the embedded one), so it keeps or drops the rules that
 * depend on the server's version exactly as a deployment would. Immutable and thread-safe.
 *
 * @param path the rendered file
 * @param passwords user name to password, for {@value #GATEWAY_USER}, {@value #ADMIN_USER} and
 *     {@value #OPERATOR_USER}
 */
public record RedisAclFile(Path path, Map<String, String> passwords) {

    /** The user the gateway connects as. */
    public static final String GATEWAY_USER = "keygate-gateway";

    /** The user the admin API connects as. */
    public static final String ADMIN_USER = "keygate-admin";

    /** Test-only: every permission, to read {@code ACL LOG}. Not in the deployed file. */
    public static final String OPERATOR_USER = "test-operator";

    private static final Map<String, String> PASSWORD_VARIABLES =
            Map.of(
                    GATEWAY_USER, "KEYGATE_GATEWAY_REDIS_PASSWORD",
                    ADMIN_USER, "KEYGATE_ADMIN_REDIS_PASSWORD");

    /**
     * Renders {@code deploy/redis/users.acl} into {@code directory} with fresh random passwords.
     *
     * @throws IllegalStateException when the script fails (its output is in the message)
     */
    public static RedisAclFile render(Path directory) {
        Path deployRedis = deployRedisDirectory();
        Map<String, String> passwords = new LinkedHashMap<>();
        Map<String, String> environment = new LinkedHashMap<>();
        PASSWORD_VARIABLES.forEach(
                (user, variable) -> {
                    String password = user + "-" + randomHex();
                    passwords.put(user, password);
                    environment.put(variable, password);
                });
        passwords.put(OPERATOR_USER, OPERATOR_USER + "-" + randomHex());
        String server = RedisNodeProcess.executable("redis-server", "REDIS_SERVER_BIN");
        if (server != null) {
            environment.put("KEYGATE_REDIS_SERVER", server);
        }
        Path output = directory.resolve("users.acl");
        List<String> command =
                List.of(
                        "sh",
                        deployRedis.resolve("render-acl.sh").toString(),
                        deployRedis.resolve("users.acl").toString(),
                        output.toString());
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().keySet().removeIf(name -> name.startsWith("KEYGATE_"));
            builder.environment().putAll(environment);
            Process process = builder.start();
            String out =
                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("render-acl.sh failed: " + out);
            }
            Files.writeString(
                    output,
                    "user "
                            + OPERATOR_USER
                            + " on >"
                            + passwords.get(OPERATOR_USER)
                            + " ~* &* +@all\n",
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering the ACL file", ex);
        }
        return new RedisAclFile(output, Map.copyOf(passwords));
    }

    /** {@code deploy/redis} of this repository, found from the working directory upwards. */
    public static Path deployRedisDirectory() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("deploy/redis");
            if (Files.isRegularFile(candidate.resolve("users.acl"))) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException(
                "no deploy/redis/users.acl above " + Path.of("").toAbsolutePath());
    }

    /** The password of {@code user}. */
    public String password(String user) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no such user in the test ACL: " + user);
        }
        return password;
    }

    /** The server's {@code redis-server} arguments for this file. */
    public String[] serverArgs() {
        return new String[] {"--aclfile", path.toString()};
    }

    /** A connection authenticated as {@code user}; the caller closes it. */
    public RespClient connect(RedisServer server, String user) {
        RespClient client = RespClient.connect(server.host(), server.port());
        try {
            client.command("AUTH", user, password(user));
            return client;
        } catch (RuntimeException ex) {
            client.close();
            throw ex;
        }
    }

    /**
     * The denials Redis recorded ({@code ACL LOG}), newest first, each as its field map ({@code
     * username}, {@code reason}, {@code object}, {@code context}, ...).
     */
    public List<Map<String, Object>> denials(RedisServer server) {
        try (RespClient operator = connect(server, OPERATOR_USER)) {
            List<Map<String, Object>> entries = new ArrayList<>();
            for (Object entry : (List<?>) operator.command("ACL", "LOG", "1000")) {
                List<?> fields = (List<?>) entry;
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i + 1 < fields.size(); i += 2) {
                    map.put(String.valueOf(fields.get(i)), fields.get(i + 1));
                }
                entries.add(map);
            }
            return entries;
        }
    }

    /** Clears {@code ACL LOG}. */
    public void resetDenials(RedisServer server) {
        try (RespClient operator = connect(server, OPERATOR_USER)) {
            operator.command("ACL", "LOG", "RESET");
        }
    }

    private static String randomHex() {
        byte[] bytes = new byte[16];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }
}
