package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.test.http.SlowClient;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.context.TestPropertySource;

/**
 * Slowloris against the admin API: a client trickling one header line at a time is cut off once its
 * request head takes longer than keygate.server.header-read-timeout (2 s here, 10 s by default), on
 * the API port and on the management port.
 */
@TestPropertySource(properties = "keygate.server.header-read-timeout=2s")
class SlowClientTests extends AdminApiTestSupport {

    private static final Duration PACE = Duration.ofMillis(250);
    private static final Duration LIMIT = Duration.ofSeconds(12);

    @LocalManagementPort private int managementPort;

    @Test
    void aClientTricklingHeadersIsCutOffOnTheApiPort() throws IOException {
        Duration held = SlowClient.heldOpen(port, PACE, LIMIT);

        assertThat(held).as("still open after %s", LIMIT).isNotNull();
        assertThat(held).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(8));
    }

    @Test
    void aClientTricklingHeadersIsCutOffOnTheManagementPort() throws IOException {
        Duration held = SlowClient.heldOpen(managementPort, PACE, LIMIT);

        assertThat(held).as("still open after %s", LIMIT).isNotNull();
        assertThat(held).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(8));
    }
}
