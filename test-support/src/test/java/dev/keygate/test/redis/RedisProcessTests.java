package dev.keygate.test.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RedisProcessTests {

    @Test
    void startedServerAnswersAndStopLeavesNoProcess() {
        RedisProcess redis = RedisProcess.launch();
        long pid = redis.pid();
        assertThat(redis.command("PING")).isEqualTo("PONG");
        assertThat(redis.command("CONFIG", "GET", "appendonly"))
                .asList()
                .containsExactly("appendonly", "no");
        redis.stop();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThatThrownBy(() -> redis.command("PING")).isInstanceOf(RuntimeException.class);
    }

    @Test
    void restartedServerListensOnTheSamePortWithAnEmptyDatabase() {
        try (RedisProcess redis = RedisProcess.launch()) {
            int port = redis.port();
            redis.command("SET", "k", "v");
            redis.stop();
            redis.start();
            assertThat(redis.port()).isEqualTo(port);
            assertThat(redis.command("GET", "k")).isNull();
        }
    }

    @Test
    void frozenServerAnswersAgainOnceResumed() {
        try (RedisProcess redis = RedisProcess.launch()) {
            redis.freeze();
            assertThat(redis.isFrozen()).isTrue();
            redis.resume();
            assertThat(redis.command("PING")).isEqualTo("PONG");
        }
    }

    @Test
    void closingAFrozenServerStillStopsIt() {
        RedisProcess redis = RedisProcess.launch();
        long pid = redis.pid();
        redis.freeze();
        redis.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
}
