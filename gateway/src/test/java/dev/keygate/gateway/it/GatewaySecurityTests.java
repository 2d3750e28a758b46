package dev.keygate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.keygate.core.key.ApiKeyFormat;
import dev.keygate.core.key.ApiKeyParser;
import dev.keygate.core.key.ParsedApiKey;
import dev.keygate.core.store.IssuedKey;
import dev.keygate.gateway.testing.GatewayFixture;
import dev.keygate.gateway.testing.Probe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.springframework.test.web.reactive.server.WebTestClient;

/** Bad input at the HTTP level, throttling, and secrets kept out of logs. */
class GatewaySecurityTests {

    @RegisterExtension
    static final GatewayFixture fixture = GatewayFixture.builder().sharedRedis().build();

    private IssuedKey createKey() {
        return fixture.keys().mint("acct-sec");
    }

    /** Sends raw bytes and returns the status line (or "" when the server just closed). */
    private String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", fixture.gateway().port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            return line.toString(StandardCharsets.ISO_8859_1).trim();
        }
    }

    @Test
    void oversizedHeadersAreRefusedWith431AndNothingGoesUpstream() {
        IssuedKey key = createKey();
        fixture.client()
                .get()
                .uri("/things")
                .header("X-Api-Key", key.key())
                .header("X-Padding", "a".repeat(20_000))
                .exchange()
                .expectStatus()
                .value(status -> assertThat(status).isIn(413, 431));
        assertThat(fixture.upstream().getAllServeEvents()).isEmpty();
    }

    @Test
    void manyHeadersAndRepeatedCredentialHeadersAreHandledPlainly() {
        IssuedKey key = createKey();
        WebTestClient.RequestHeadersSpec<?> many =
                fixture.client().get().uri("/things").header("X-Api-Key", key.key());
        for (int i = 0; i < 100; i++) {
            many = many.header("X-Extra-" + i, "v" + i);
        }
        many.exchange().expectStatus().isOk();
        IssuedKey other = createKey();
        fixture.client()
                .get()
                .uri("/things")
                .header("X-Api-Key", key.key(), other.key())
                .exchange()
                .expectStatus()
                .isBadRequest();
    }

    @Test
    void http10RequestsAreAuthenticatedLikeAnyOther() throws IOException {
        IssuedKey key = createKey();
        assertThat(raw("GET /things HTTP/1.0\r\nX-Api-Key: " + key.key() + "\r\n\r\n"))
                .matches("HTTP/1\\.[01] 200 .*");
        assertThat(raw("GET /things HTTP/1.0\r\n\r\n")).matches("HTTP/1\\.[01] 401 .*");
    }

    @Test
    void headerInjectionAndControlCharactersNeverGetThrough() throws IOException {
        IssuedKey key = createKey();
        List<String> attempts =
                List.of(
                        // a bare LF trying to smuggle a second header line
                        "GET /things HTTP/1.1\r\nHost: x\r\nX-Api-Key: junk\nX-Api-Key-Owner: admin\r\n\r\n",
                        // a NUL and a CR inside the key
                        "GET /things HTTP/1.1\r\nHost: x\r\nX-Api-Key: "
                                + key.key().substring(0, 10)
                                + "\0"
                                + key.key().substring(10)
                                + "\r\n\r\n",
                        "GET /things HTTP/1.1\r\nHost: x\r\nX-Api-Key: "
                                + key.key()
                                + "\rX-Evil: 1\r\n\r\n",
                        // obsolete line folding of the credential
                        "GET /things HTTP/1.1\r\nHost: x\r\nX-Api-Key: kg_\r\n "
                                + key.key().substring(3)
                                + "\r\n\r\n",
                        // non-ASCII
                        "GET /things HTTP/1.1\r\nHost: x\r\nX-Api-Key: "
                                + key.key().substring(0, 20)
                                + '\u00e4'
                                + key.key().substring(21)
                                + "\r\n\r\n");
        for (String attempt : attempts) {
            String status = raw(attempt);
            assertThat(status)
                    .as("%s", attempt.replace("\r", "\\r").replace("\n", "\\n"))
                    .satisfiesAnyOf(
                            s -> assertThat(s).isEmpty(),
                            s -> assertThat(s).matches("HTTP/1\\.1 (400|401|431) .*"));
        }
        assertThat(fixture.upstream().getAllServeEvents()).isEmpty();
    }

    @Test
    void http2ClientsAreServedWithTheSameRules() throws Exception {
        IssuedKey key = createKey();
        HttpClient http2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        URI uri = URI.create("http://127.0.0.1:" + fixture.gateway().port() + "/things");
        HttpResponse<String> without =
                http2.send(
                        HttpRequest.newBuilder(uri).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> with =
                http2.send(
                        HttpRequest.newBuilder(uri).header("X-Api-Key", key.key()).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(without.statusCode()).isEqualTo(401);
        assertThat(with.statusCode()).isEqualTo(200);
    }

    @Test
    void randomCredentialsNeverCauseA500OrReachTheUpstream() {
        Random random = new Random(20261129);
        String printable =
                "kg_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&'*+-.^`|~:;,= /";
        for (int i = 0; i < 300; i++) {
            StringBuilder value = new StringBuilder(i % 3 == 0 ? "kg_" : "");
            int length = random.nextInt(i % 10 == 0 ? 300 : 60);
            while (value.length() < length) {
                value.append(printable.charAt(random.nextInt(printable.length())));
            }
            String header = i % 2 == 0 ? "X-Api-Key" : "Authorization";
            String presented =
                    header.equals("Authorization")
                            ? (i % 4 == 1 ? "Bearer " : "Apikey ") + value
                            : value.toString();
            fixture.client()
                    .get()
                    .uri("/things")
                    // the HTTP client refuses leading and trailing whitespace itself
                    .header(header, presented.trim().isEmpty() ? "x" : presented.trim())
                    .exchange()
                    .expectStatus()
                    .value(status -> assertThat(status).isIn(400, 401));
        }
        assertThat(fixture.upstream().getAllServeEvents()).isEmpty();
    }

    @Test
    void noSecretOrHashAppearsInAnyLogDuringAFullKeyLifecycleAtDebug() {
        LoggerContext logging = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = logging.getLogger(Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(logging);
        captured.start();
        root.addAppender(captured);
        List<String> secrets = new ArrayList<>();
        // the root logger and every logger with a level of its own go to DEBUG; each gets its
        // own level back afterwards, so no DEBUG leaks into the later tests of this JVM
        Map<Logger, Level> previous = new LinkedHashMap<>();
        try {
            for (Logger logger : logging.getLoggerList()) {
                if (logger == root || logger.getLevel() != null) {
                    previous.put(logger, logger.getLevel());
                    logger.setLevel(Level.DEBUG);
                }
            }
            IssuedKey created = createKey();
            fixture.client()
                    .get()
                    .uri("/things")
                    .header("Authorization", "Bearer " + created.key())
                    .exchange()
                    .expectStatus()
                    .isOk();
            IssuedKey rotated =
                    fixture.keys()
                            .store()
                            .rotate(created.record().id(), Duration.ofMinutes(5))
                            .block();
            assertThat(Probe.status(fixture.client(), created.key())).isEqualTo(200);
            assertThat(Probe.status(fixture.client(), rotated.key())).isEqualTo(200);
            fixture.keys().store().remove(created.record().id()).block();
            Probe.until(
                    fixture.client(),
                    rotated.key(),
                    401,
                    System.nanoTime(),
                    Duration.ofSeconds(10));
            ApiKeyParser parser = new ApiKeyParser(ApiKeyFormat.defaults());
            for (IssuedKey issued : List.of(created, rotated)) {
                ParsedApiKey parsed = (ParsedApiKey) parser.parse(issued.key());
                secrets.add(issued.key());
                secrets.add(parsed.secret());
                secrets.add(parsed.secretHash().encoded());
            }
        } finally {
            previous.forEach(Logger::setLevel);
            root.detachAppender(captured);
        }
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent event : captured.list) {
            lines.add(
                    event.getFormattedMessage()
                            + (event.getThrowableProxy() == null
                                    ? ""
                                    : ThrowableProxyUtil.asString(event.getThrowableProxy())));
        }
        assertThat(lines).as("debug logging was captured").hasSizeGreaterThan(20);
        for (String secret : secrets) {
            assertThat(lines).noneMatch(line -> line.contains(secret));
        }
    }
}
