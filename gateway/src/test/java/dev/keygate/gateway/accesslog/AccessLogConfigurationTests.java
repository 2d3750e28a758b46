package dev.keygate.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.core.store.KeyStore;
import dev.keygate.core.testing.MapKeyStore;
import dev.keygate.gateway.config.KeygateGatewayAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class AccessLogConfigurationTests {

    private final ApplicationContextRunner runner =
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(KeygateGatewayAutoConfiguration.class))
                    .withBean(KeyStore.class, MapKeyStore::new);

    @Test
    void aPluginUserGetsNoAccessLogUnlessTheyTurnItOn() {
        runner.run(
                context ->
                        assertThat(context)
                                .hasNotFailed()
                                .doesNotHaveBean(AccessLogWebFilter.class)
                                .doesNotHaveBean(AccessLogWriter.class));
    }

    @Test
    void turnedOnItIsAWebFilterAndAWriterWhoseThreadRunsWithTheContext() {
        runner.withPropertyValues("keygate.gateway.access-log.enabled=true")
                .run(
                        context -> {
                            assertThat(context).hasSingleBean(AccessLogWebFilter.class);
                            assertThat(context.getBean(AccessLogWriter.class).isRunning()).isTrue();
                        });
    }

    @Test
    void anEmptyQueueIsRefusedAtStart() {
        runner.withPropertyValues(
                        "keygate.gateway.access-log.enabled=true",
                        "keygate.gateway.access-log.queue-capacity=0")
                .run(
                        context ->
                                assertThat(context)
                                        .getFailure()
                                        .rootCause()
                                        .isInstanceOf(BindValidationException.class)
                                        .hasMessageContaining("accessLog.queueCapacity"));
    }
}
