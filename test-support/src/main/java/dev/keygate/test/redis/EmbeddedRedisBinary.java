package dev.keygate.test.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The last resort for a {@code redis-server} binary: the one shipped inside the Maven Central
 * artifact {@code com.github.codemonstur:embedded-redis} (Redis 6.2 for Linux x86_64, arm64, i386
 * and macOS x86_64, arm64), so {@code ./mvnw verify} works on a machine with nothing but a JDK. It
 * is the same artifact {@code deploy/local/run.sh} falls back to. There is no {@code redis-cli} in
 * it: tests that need one (Cluster creation) are skipped without it. Thread-safe.
 */
public final class EmbeddedRedisBinary {

    private EmbeddedRedisBinary() {}

    /** The extracted binary for this platform, or {@code null} when the artifact has none. */
    public static synchronized String path() {
        String resource = resourceName();
        if (resource == null) {
            return null;
        }
        Path target =
                Path.of(System.getProperty("java.io.tmpdir"), "keygate-embedded-redis", resource);
        if (Files.isExecutable(target)) {
            return target.toString();
        }
        try (InputStream in = EmbeddedRedisBinary.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                return null;
            }
            Files.createDirectories(target.getParent());
            Path partial = Files.createTempFile(target.getParent(), resource, ".part");
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            if (!partial.toFile().setExecutable(true)) {
                throw new IOException("cannot make " + partial + " executable");
            }
            Files.move(
                    partial,
                    target,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            return target.toString();
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot extract the embedded redis-server", ex);
        }
    }

    private static String resourceName() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        boolean arm = arch.contains("aarch64") || arch.contains("arm64");
        boolean x64 = arch.contains("amd64") || arch.contains("x86_64");
        if (os.contains("linux")) {
            if (x64) {
                return "redis-server-6.2.6-v5-linux-amd64";
            }
            if (arm) {
                return "redis-server-6.2.7-linux-arm64";
            }
            return arch.matches("i?[3-6]86|x86") ? "redis-server-6.2.7-linux-386" : null;
        }
        if (os.contains("mac")) {
            return arm
                    ? "redis-server-6.2.6-v5-darwin-arm64"
                    : x64 ? "redis-server-6.2.6-v5-darwin-amd64" : null;
        }
        return null;
    }
}
