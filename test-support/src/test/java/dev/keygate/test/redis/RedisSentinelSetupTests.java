package dev.keygate.test.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisSentinelSetupTests {

    /**
     * A replica that made itself a master behind the Sentinels' backs (what a second, late failover
     * leaves behind) holds writes the next fault would lose; the set-up is settled only once the
     * Sentinels have turned it back into a replica of the master they name.
     */
    @Test
    void loneMasterIsNotSettledUntilTheSentinelsTurnItBackIntoAReplica() {
        try (RedisSentinelSetup redis = RedisSentinelSetup.start(1)) {
            RedisNodeProcess master = redis.awaitSettled();
            RedisNodeProcess replica =
                    redis.dataNodes().stream().filter(n -> n != master).findFirst().orElseThrow();
            replica.command("REPLICAOF", "NO", "ONE");
            replica.command("SET", "written-to-the-lone-master", "v");

            long start = System.nanoTime();
            assertThat(redis.awaitSettled()).isEqualTo(master);
            Duration waited = Duration.ofNanos(System.nanoTime() - start);

            Object info = replica.command("INFO", "replication");
            assertThat(RedisNodeProcess.infoField(info, "role")).isEqualTo("slave");
            assertThat(RedisNodeProcess.infoField(info, "master_port"))
                    .isEqualTo(Integer.toString(master.port()));
            // the Sentinels' reconfiguration resynchronised it from the master: the write is gone
            assertThat(replica.command("GET", "written-to-the-lone-master")).isNull();
            System.out.printf(
                    "[sentinel] lone master turned back into a replica after %d ms%n",
                    waited.toMillis());
        }
    }
}
