package dev.keygate.gateway.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessLogFormatTests {

    private static final Instant T0 = Instant.parse("2026-12-02T16:00:00.123456Z");

    private final AccessLogFormat format = new AccessLogFormat(List.of("api_key"));

    private static AccessLogEntry entry(String path, String query, String owner) {
        return new AccessLogEntry(
                T0,
                "GET",
                path,
                query,
                200,
                12_345_678,
                345,
                "AbCdEfGhIjK",
                owner,
                null,
                "4bf92f3577b34da6a3ce929d0e0e4736",
                "5f2e1c3a-7",
                InetAddress.getLoopbackAddress());
    }

    private static String value(String raw) {
        StringBuilder out = new StringBuilder();
        AccessLogFormat.appendValue(out, raw);
        return out.toString();
    }

    @Test
    void aLineHasEveryFieldInOrderWithDashForWhatIsAbsent() {
        AccessLogEntry entry = entry("/hello", null, "alice");
        assertThat(format.line(entry, format.target(entry)))
                .isEqualTo(
                        "time=2026-12-02T16:00:00.123Z method=GET path=/hello status=200"
                                + " duration_ms=12.345 bytes=345 key_id=AbCdEfGhIjK owner=alice"
                                + " reason=- trace_id=4bf92f3577b34da6a3ce929d0e0e4736"
                                + " request_id=5f2e1c3a-7 client=127.0.0.1");
    }

    @Test
    void plainValuesStayBareAndEverythingElseIsQuotedAndEscaped() {
        assertThat(value("alice")).isEqualTo("alice");
        assertThat(value("/a/b%20c")).isEqualTo("/a/b%20c");
        assertThat(value(null)).isEqualTo("-");
        assertThat(value("-")).isEqualTo("\"-\"");
        assertThat(value("")).isEqualTo("\"\"");
        assertThat(value("Alice Smith")).isEqualTo("\"Alice Smith\"");
        assertThat(value("a=b")).isEqualTo("\"a=b\"");
        assertThat(value("say \"hi\"")).isEqualTo("\"say \\\"hi\\\"\"");
        assertThat(value("back\\slash")).isEqualTo("\"back\\\\slash\"");
        assertThat(value("tab\tcr\rlf\n")).isEqualTo("\"tab\\tcr\\rlf\\n\"");
        assertThat(value("nul\u0000bell\u0007del\u007f"))
                .isEqualTo("\"nul\\u0000bell\\u0007del\\u007f\"");
        assertThat(value("caf\u00e9 \u2028")).isEqualTo("\"caf\\u00e9 \\u2028\"");
    }

    @Test
    void aForgedLineInAValueCannotStartALineOfItsOwn() {
        AccessLogEntry entry =
                entry("/x", null, "eve\n" + "time=2026-01-01T00:00:00.000Z method=GET status=200");
        String line = format.line(entry, format.target(entry));
        assertThat(line).doesNotContain("\n").doesNotContain("\r");
        assertThat(line.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
        assertThat(line)
                .contains(" owner=\"eve\\ntime=2026-01-01T00:00:00.000Z method=GET status=200\" ");
    }

    @Test
    void aLoggedQueryLosesItsCredentialParametersWhateverTheirEncoding() {
        assertThat(format.target(entry("/p", "a=1&api_key=kg_secret&b=2", null)))
                .isEqualTo("/p?a=1&b=2");
        assertThat(format.target(entry("/p", "api%5Fkey=kg_secret&b=%20", null)))
                .isEqualTo("/p?b=%20");
        assertThat(format.target(entry("/p", "==api_key=kg_secret", null))).isEqualTo("/p");
        assertThat(format.target(entry("/p", "api_keys=kept", null))).isEqualTo("/p?api_keys=kept");
        assertThat(format.target(entry("/p", null, null))).isEqualTo("/p");
        assertThat(new AccessLogFormat(List.of()).target(entry("/p", "x=%zz", null)))
                .isEqualTo("/p?x=%zz");
    }

    @Test
    void durationsHaveMicrosecondResolutionAndNoExponent() {
        StringBuilder out = new StringBuilder();
        AccessLogFormat.appendMillis(out, 999);
        out.append(' ');
        AccessLogFormat.appendMillis(out, 1_002_000);
        out.append(' ');
        AccessLogFormat.appendMillis(out, 120_030_000_000L);
        assertThat(out).hasToString("0.000 1.002 120030.000");
    }
}
