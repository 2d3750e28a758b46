package dev.keygate.gateway.it;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.test.http.RawHttp;
import dev.keygate.test.http.SlowClient;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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

    /**
     * Regression: an upload pipelined behind a request that was answered is not "answered before
     * its body is in"; the earlier request's answer must not start the body deadline of the later
     * one, which is still being read and not answered yet.
     */
    @Test
    void aSlowUploadPipelinedBehindAnAnsweredRequestIsNotCutOff() throws Exception {
        String key = fixture.keys().mint("acct-slow").key();
        byte[] body = "0123456789".getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket("127.0.0.1", fixture.gateway().port())) {
            socket.setSoTimeout((int) LIMIT.toMillis());
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            out.write(
                    ("GET /first HTTP/1.1\r\nHost: gateway\r\nX-Api-Key: "
                                    + key
                                    + "\r\n\r\n"
                                    + "POST /upload HTTP/1.1\r\nHost: gateway\r\nX-Api-Key: "
                                    + key
                                    + "\r\nContent-Length: "
                                    + body.length
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(RawHttp.readResponse(in).status()).isEqualTo(200);
            // the upload's body takes 3 s, past the 2 s deadline: a slow client, not a slowloris
            for (byte b : body) {
                Thread.sleep(300); // the client's pace, not a wait for the server
                out.write(b);
                out.flush();
            }
            assertThat(RawHttp.readResponse(in).status()).isEqualTo(200);
        }
        assertThat(fixture.upstream().findAll(postRequestedFor(urlEqualTo("/upload"))))
                .singleElement()
                .satisfies(request -> assertThat(request.getBody()).isEqualTo(body));
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
