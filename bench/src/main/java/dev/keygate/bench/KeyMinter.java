package dev.keygate.bench;

import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyGenerator;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.core.store.NewKey;
import dev.keygate.core.store.RedisKeyStore;
import dev.keygate.core.store.RedisKeyspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import reactor.core.publisher.Flux;

/**
 * Mints the macro benchmark's keys through {@link RedisKeyStore#create} (the same writes the admin
 * API makes) and writes three files of full keys, one per line:
 *
 * <ul>
 *   <li>{@code valid.txt}: {@code count} keys that exist;
 *   <li>{@code bad-checksum.txt}: the same keys with the last checksum character changed (S5a);
 *   <li>{@code unknown.txt}: {@code unknown} well-formed keys whose ids were never stored (S5b).
 * </ul>
 *
 * <p>Usage: {@code KeyMinter <redis host> <redis port> <count> <unknown> <output dir>}. For the
 * benchmark only: the files hold secrets.
 */
public final class KeyMinter {

    private KeyMinter() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 5) {
            System.err.println("usage: KeyMinter <host> <port> <count> <unknown> <output dir>");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        int unknown = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        Files.createDirectories(out);

        LettuceConnectionFactory factory =
                new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port));
        factory.afterPropertiesSet();
        factory.start();
        try {
            ApiKeyGenerator generator =
                    new ApiKeyGenerator(ApiKeyFormat.defaults(), new SecureRandom());
            RedisKeyStore store =
                    new RedisKeyStore(
                            new ReactiveStringRedisTemplate(factory),
                            RedisKeyspace.defaults(),
                            generator,
                            Clock.systemUTC());
            List<String> valid =
                    Flux.range(0, count)
                            .flatMap(
                                    i ->
                                            store.create(
                                                    new NewKey(
                                                            "acct-" + (i % 1000),
                                                            "bench key " + i,
                                                            Set.of("orders:read", "orders:write"),
                                                            Set.of("acme"),
                                                            null,
                                                            java.util.Map.of())),
                                    64)
                            .map(IssuedKey::key)
                            .collectList()
                            .block();
            List<String> badChecksum = new ArrayList<>(valid.size());
            for (String key : valid) {
                char last = key.charAt(key.length() - 1);
                badChecksum.add(key.substring(0, key.length() - 1) + (last == 'A' ? 'B' : 'A'));
            }
            List<String> unknownKeys = new ArrayList<>(unknown);
            for (int i = 0; i < unknown; i++) {
                unknownKeys.add(generator.newKey().token());
            }
            Files.write(out.resolve("valid.txt"), valid);
            Files.write(out.resolve("bad-checksum.txt"), badChecksum);
            Files.write(out.resolve("unknown.txt"), unknownKeys);
            System.out.printf(
                    "minted %d keys, %d bad-checksum, %d unknown in %s%n",
                    valid.size(), badChecksum.size(), unknownKeys.size(), out);
        } finally {
            factory.destroy();
        }
    }
}
