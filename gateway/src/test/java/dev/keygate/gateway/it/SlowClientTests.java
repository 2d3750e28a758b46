package dev.keygate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.test.http.SlowClient;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Slowloris: a client that trickles one header line at a time is cut off once its request head
 * takes longer than keygate.server.header-read-timeout (2 s here, 10 s by default), on the proxy
 * port and on the management port; a keep-alive connection idle between requests is not.
 */
class SlowClientTests {

    private static final Duration PACE = Duration.ofMillis(250);
    private static final Duration LIMIT = Duration.ofSeconds(12);

    @RegisterExtension
    static final GatewayFixture fixture =
            GatewayFixture.builder()
                    .sharedRedis()
                    .property("keygate.server.header-read-timeout", "2s")
                    .build();

    /**
     * Cut off (within {@link #LIMIT}), and not before the 2 s header deadline (less a margin for
     * the client's pace).
     */
    private static void assertCutOffAtTheDeadline(Duration held) {
        assertThat(held).as("still open after %s", LIMIT).isNotNull();
        assertThat(held).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void aClientTricklingHeadersIsCutOffOnTheProxyPort() throws IOException {
        Duration held = SlowClient.heldOpen(fixture.gateway().port(), PACE, LIMIT);

        assertCutOffAtTheDeadline(held);
    }

    @Test
    void aClientTricklingHeadersIsCutOffOnTheManagementPort() throws IOException {
        Duration held = SlowClient.heldOpen(fixture.gateway().managementPort(), PACE, LIMIT);

        assertCutOffAtTheDeadline(held);
    }

    @Test
    void aBodyTricklingInAfterAnEarlyAnswerIsCutOff() throws IOException {
        // no key: 401 at once, while the client goes on sending its 100 kB body a byte at a time
        Duration held = SlowClient.heldOpenAfterAnswer(fixture.gateway().port(), PACE, LIMIT);

        assertCutOffAtTheDeadline(held);
    }

    @Test
    void anIdleKeepAliveConnectionOutlivesTheHeaderDeadline() throws IOException {
        int status =
                SlowClient.statusAfterIdle(
                        fixture.gateway().managementPort(),
                        "/actuator/health/liveness",
                        Duration.ofSeconds(3));

        assertThat(status).isEqualTo(200);
    }
}
