package dev.keygate.bench.jmh;

import dev.keygate.core.key.SecretHash;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.CRC32;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Evidence for two possible hot-path changes in core, measured against what core does today: {@link
 * SecretHash#of} looks up a {@code MessageDigest} per call (provider lookup), where a per-thread
 * instance could be reused; the key checksum feeds CRC32 one character at a time, where one bulk
 * update over the ASCII bytes would do. Both have changed since: {@link #sha256Today()} is core's
 * per-thread digest ({@link #sha256DigestPerCallBefore()} the code before), and {@link
 * #crc32TableNow()} the table-driven checksum ({@link #crc32PerCharToday()} the code before).
 */
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class HashingAlternativesBenchmark extends JmhDefaults {

    private String secret;
    private String key;

    @Setup
    public void setUp() {
        key = new HotPathFixture(1).keys.get(0);
        secret = key.substring(15, 45);
    }

    @Benchmark
    public SecretHash sha256Today() {
        return SecretHash.of(secret);
    }

    /** What {@code SecretHash.of} did before its per-thread digest: a provider lookup a call. */
    @Benchmark
    public byte[] sha256DigestPerCallBefore() throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * What {@code ApiKeyFormat.checksum} did before the table: one {@code CRC32} call a character.
     */
    @Benchmark
    public long crc32PerCharToday() {
        CRC32 crc = new CRC32();
        for (int i = 0; i < 45; i++) {
            crc.update(key.charAt(i));
        }
        return crc.getValue();
    }

    /** What {@code ApiKeyFormat.checksum} does now: a table-driven CRC32 over the characters. */
    @Benchmark
    public long crc32TableNow() {
        int crc = 0xFFFFFFFF;
        for (int i = 0; i < 45; i++) {
            crc = CRC_TABLE[(crc ^ key.charAt(i)) & 0xFF] ^ (crc >>> 8);
        }
        return ~crc & 0xFFFFFFFFL;
    }

    private static final int[] CRC_TABLE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
            }
            CRC_TABLE[n] = c;
        }
    }

    @Benchmark
    public long crc32Bulk() {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.ISO_8859_1), 0, 45);
        return crc.getValue();
    }
}
