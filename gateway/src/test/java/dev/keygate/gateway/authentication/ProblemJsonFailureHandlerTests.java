package dev.keygate.gateway.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

class ProblemJsonFailureHandlerTests {

    private static MockServerWebExchange refuse(Duration unavailableWait, Refusal refusal) {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
        new ProblemJsonFailureHandler(List.of("Bearer"), "keygate", unavailableWait)
                .refuse(exchange, refusal)
                .block(Duration.ofSeconds(5));
        return exchange;
    }

    private static String retryAfter(MockServerWebExchange exchange) {
        return exchange.getResponse().getHeaders().getFirst(HttpHeaders.RETRY_AFTER);
    }

    @Test
    void a503AlwaysSaysWhenToComeBackInWholeSecondsRoundedDown() {
        Refusal unavailable = Refusal.of(Refusal.Reason.UNAVAILABLE);
        assertThat(retryAfter(refuse(Duration.ofSeconds(5), unavailable))).isEqualTo("5");
        assertThat(retryAfter(refuse(Duration.ofMillis(2500), unavailable))).isEqualTo("2");
        assertThat(retryAfter(refuse(Duration.ZERO, unavailable))).isEqualTo("1");
    }

    @Test
    void a429WaitsAtLeastTheWholeRefusalRoundedUp() {
        assertThat(
                        retryAfter(
                                refuse(
                                        Duration.ofSeconds(5),
                                        Refusal.throttled(Duration.ofMillis(400)))))
                .isEqualTo("1");
        assertThat(
                        retryAfter(
                                refuse(
                                        Duration.ofSeconds(5),
                                        Refusal.throttled(Duration.ofMillis(2001)))))
                .isEqualTo("3");
    }

    @Test
    void refusalsWithoutAWaitSayNone() {
        MockServerWebExchange exchange =
                refuse(Duration.ofSeconds(5), Refusal.of(Refusal.Reason.UNKNOWN));
        assertThat(retryAfter(exchange)).isNull();
        assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
    }

    @Test
    void theForbiddenChallengeNamesTheRequiredScopesSorted() {
        MockServerWebExchange exchange =
                refuse(Duration.ofSeconds(5), Refusal.forbidden(Set.of("b:write", "a:read")));
        assertThat(exchange.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .isEqualTo(
                        "Bearer realm=\"keygate\", error=\"insufficient_scope\","
                                + " scope=\"a:read b:write\"");
    }

    @Test
    void everyResponseHasItsProblemBodyAndNothingElseIsEchoed() {
        for (Refusal.Response response : Refusal.Response.values()) {
            Refusal.Reason reason =
                    java.util.Arrays.stream(Refusal.Reason.values())
                            .filter(candidate -> candidate.response() == response)
                            .findFirst()
                            .orElseThrow();
            MockServerWebExchange exchange = refuse(Duration.ofSeconds(5), Refusal.of(reason));
            assertThat(exchange.getResponse().getBodyAsString().block())
                    .isEqualTo(
                            "{\"type\":\"https://keygate.dev/problems/"
                                    + response.type()
                                    + "\",\"title\":\""
                                    + response.title()
                                    + "\",\"status\":"
                                    + response.status()
                                    + ",\"detail\":\""
                                    + response.detail()
                                    + "\"}");
            assertThat(exchange.getResponse().getHeaders().getCacheControl()).isEqualTo("no-store");
        }
    }
}
