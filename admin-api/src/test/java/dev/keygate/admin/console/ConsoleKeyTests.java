package dev.keygate.admin.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.limit.RateLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConsoleKeyTests {

    @Test
    void rateLimitPeriodReadsAsWordsNotIsoDuration() {
        assertThat(ConsoleKey.rateLimit(new RateLimit(100, Duration.ofSeconds(1), 100)))
                .isEqualTo("100 per second, bursts of 100");
        assertThat(ConsoleKey.rateLimit(new RateLimit(5, Duration.ofMinutes(1), 10)))
                .isEqualTo("5 per minute, bursts of 10");
    }
}
