package dev.keygate.gateway.it;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyParser;
import dev.keygate.core.key.ParsedApiKey;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.gateway.accesslog.AccessLogCapture;
import dev.keygate.gateway.accesslog.AccessLogWriter;
import dev.keygate.gateway.testing.GatewayFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The access log of the runnable gateway (on by default there), real Redis, WireMock upstream: one
 * line per request, written by the writer's thread, never with the key.
 */
class AccessLogTests {

    private static final String BODY = "{\"ok\":true}";

    @RegisterExtension
    static final GatewayFixture fixture =
            GatewayFixture.builder()
                    .sharedRedis()
                    .upstreamAnswer(
                            aResponse()
                                    .withStatus(200)
                                    .withHeader("Content-Type", "application/json")
                                    .withBody(BODY))
                    // the test gateways log at WARN; the access log is INFO
                    .property("logging.level.keygate.access", "INFO")
                    .property("keygate.gateway.credentials.query-parameters", "api_key")
                    .build();

    private AccessLogCapture capture;

    @BeforeEach
    void capture() {
        capture = AccessLogCapture.open();
    }

    @AfterEach
    void release() {
        capture.close();
    }

    /**
     * Waits for the line of a request sent last (lines are written in completion order by one
     * thread), so that any second line of an earlier request would have been written by then.
     */
    private void awaitMarker(String path) {
        fixture.client().get().uri(path).exchange().expectStatus().isUnauthorized();
        await("the access-log line of " + path)
                .atMost(Duration.ofSeconds(10))
                .until(() -> !capture.linesFor(path).isEmpty());
    }

    /** Every line and every key-value pair written, as text. */
    private List<String> everythingWritten() {
        List<String> all = new ArrayList<>();
        for (ILoggingEvent event : capture.events()) {
            all.add(event.getFormattedMessage());
            all.add(AccessLogCapture.keyValues(event).toString());
        }
        return all;
    }

    @Test
    void refusedAndAcceptedRequestsEachWriteOneLineWithoutTheKey() {
        IssuedKey key = fixture.keys().mint("acct-log");
        String id = key.record().id();
        String secret =
                ((ParsedApiKey) new ApiKeyParser(ApiKeyFormat.defaults()).parse(key.key()))
                        .secret();
        String wrongSecret = "A".repeat(ApiKeyFormat.SECRET_LENGTH);
        String wrongKey = ApiKeyFormat.defaults().format(id, wrongSecret);

        fixture.client()
                .get()
                .uri("/access/accepted")
                .header("Authorization", "Bearer " + key.key())
                // bytes are the body as sent: uncompressed, so as long as the upstream's
                .header("Accept-Encoding", "identity")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo(BODY);
        fixture.client()
                .get()
                .uri("/access/refused")
                .header("Authorization", "Bearer " + wrongKey)
                .exchange()
                .expectStatus()
                .isUnauthorized();
        awaitMarker("/access/marker-1");

        List<String> accepted = capture.linesFor("/access/accepted");
        assertThat(accepted).hasSize(1);
        String line = accepted.get(0);
        assertThat(AccessLogCapture.field(line, "method")).isEqualTo("GET");
        assertThat(AccessLogCapture.field(line, "status")).isEqualTo("200");
        assertThat(AccessLogCapture.field(line, "bytes"))
                .isEqualTo(Integer.toString(BODY.length()));
        assertThat(AccessLogCapture.field(line, "key_id")).isEqualTo(id);
        assertThat(AccessLogCapture.field(line, "owner")).isEqualTo("acct-log");
        assertThat(AccessLogCapture.field(line, "reason")).isEqualTo("-");
        assertThat(AccessLogCapture.field(line, "client")).isEqualTo("127.0.0.1");
        assertThat(AccessLogCapture.field(line, "duration_ms")).matches("\\d+\\.\\d{3}");

        List<String> refused = capture.linesFor("/access/refused");
        assertThat(refused).hasSize(1);
        assertThat(AccessLogCapture.field(refused.get(0), "status")).isEqualTo("401");
        assertThat(AccessLogCapture.field(refused.get(0), "reason")).isEqualTo("bad_secret");
        assertThat(AccessLogCapture.field(refused.get(0), "key_id")).isEqualTo("-");
        assertThat(Long.parseLong(AccessLogCapture.field(refused.get(0), "bytes"))).isPositive();

        assertThat(capture.events())
                .allMatch(event -> event.getThreadName().equals(AccessLogWriter.THREAD_NAME));
        for (String written : everythingWritten()) {
            assertThat(written)
                    .doesNotContain(key.key())
                    .doesNotContain(secret)
                    .doesNotContain(wrongKey)
                    .doesNotContain(wrongSecret)
                    .doesNotContain("Bearer")
                    .doesNotContain(key.record().secretHash().encoded());
        }
    }

    @Test
    void theQueryStringIsNotLoggedByDefault() {
        IssuedKey key = fixture.keys().mint("acct-log");
        fixture.client()
                .get()
                .uri("/access/search?q=private-words&api_key=" + key.key())
                .exchange()
                .expectStatus()
                .isOk();
        awaitMarker("/access/marker-2");

        List<String> lines = capture.linesFor("/access/search");
        assertThat(lines).hasSize(1);
        assertThat(AccessLogCapture.field(lines.get(0), "key_id")).isEqualTo(key.record().id());
        for (String written : everythingWritten()) {
            assertThat(written)
                    .doesNotContain("private-words")
                    .doesNotContain("api_key")
                    .doesNotContain(key.key());
        }
    }

    @Test
    void actuatorRequestsOnTheManagementPortAreNotLogged() {
        fixture.gateway().readiness().expectStatus().isOk();
        fixture.gateway()
                .management()
                .get()
                .uri("/actuator/prometheus")
                .exchange()
                .expectStatus()
                .isOk();
        awaitMarker("/access/marker-management");
        assertThat(capture.lines()).noneMatch(line -> line.contains("/actuator/"));
    }
}
