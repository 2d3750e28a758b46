package dev.keygate.admin;

import dev.keygate.test.time.MutableClock;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * Replaces the application's clock with a {@link MutableClock} at {@link AdminApiTestSupport#T0}.
 */
@TestConfiguration(proxyBeanMethods = false)
class TestClockConfiguration {
    @Bean
    @Primary
    MutableClock testClock() {
        return new MutableClock(AdminApiTestSupport.T0);
    }
}
