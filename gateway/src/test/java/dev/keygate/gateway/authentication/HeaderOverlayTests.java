package dev.keygate.gateway.authentication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class HeaderOverlayTests {

    private static final String[] NAMES = {"X-Api-Key-Id", "Authorization", "X-Api-Key"};

    /** As Reactor Netty's server holds request headers: Netty's, behind an adapter, read-only. */
    private static ServerHttpRequest nettyBacked(String... nameValuePairs) {
        DefaultHttpHeaders netty = new DefaultHttpHeaders();
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            netty.add(nameValuePairs[i], nameValuePairs[i + 1]);
        }
        HttpHeaders headers =
                HttpHeaders.readOnlyHttpHeaders(new HttpHeaders(new Netty4HeadersAdapter(netty)));
        return new ServerHttpRequestDecorator(MockServerHttpRequest.get("/orders").build()) {
            @Override
            public HttpHeaders getHeaders() {
                return headers;
            }
        };
    }

    /** Id set, Authorization and X-Api-Key removed, names with an underscore hidden. */
    @SuppressWarnings("unchecked")
    private static HttpHeaders overlay(ServerHttpRequest request, List<String> id) {
        return new HttpHeaders(
                new HeaderOverlay(
                        request.getHeaders(),
                        NAMES,
                        new List[] {id, null, null},
                        name -> name.indexOf('_') >= 0));
    }

    private static Map<String, List<String>> iterated(HttpHeaders headers) {
        Map<String, List<String>> seen = new LinkedHashMap<>();
        headers.forEach((name, values) -> seen.put(name, values));
        return seen;
    }

    @Test
    void overlaidNamesReplaceWhatTheClientSentWhateverItsCase() {
        ServerHttpRequest request =
                nettyBacked(
                        "x-api-key-id", "spoofed",
                        "Authorization", "Bearer secret",
                        "Accept", "application/json");

        HttpHeaders headers = overlay(request, List.of("3fKq9ZbT0aW"));

        assertThat(headers.get("X-API-KEY-ID")).containsExactly("3fKq9ZbT0aW");
        assertThat(headers.getFirst("x-api-key-id")).isEqualTo("3fKq9ZbT0aW");
        assertThat(headers.containsHeader("authorization")).isFalse();
        assertThat(headers.get("Authorization")).isNull();
        assertThat(headers.getFirst("accept")).isEqualTo("application/json");
        assertThat(iterated(headers))
                .containsExactly(
                        Map.entry("X-Api-Key-Id", List.of("3fKq9ZbT0aW")),
                        Map.entry("Accept", List.of("application/json")));
        assertThat(headers.size()).isEqualTo(2);
        assertThat(headers.headerNames()).containsExactlyInAnyOrder("Accept", "X-Api-Key-Id");
        // the original request is untouched
        assertThat(request.getHeaders().getFirst("Authorization")).isEqualTo("Bearer secret");
        assertThat(request.getHeaders().getFirst("X-Api-Key-Id")).isEqualTo("spoofed");
    }

    @Test
    void aNameSentTwiceInDifferentCasesIsIteratedOnceWithAllItsValues() {
        ServerHttpRequest request =
                nettyBacked("X-Trace", "a", "x-trace", "b", "X-Api-Key", "k", "x-api-key", "k");

        HttpHeaders headers = overlay(request, List.of("id"));

        Map<String, List<String>> seen = iterated(headers);
        assertThat(seen).containsOnlyKeys("X-Trace", "X-Api-Key-Id");
        assertThat(seen.get("X-Trace")).containsExactly("a", "b");
        assertThat(headers.size()).isEqualTo(seen.size());
        assertThat(headers.headerSet()).hasSize(2);
    }

    @Test
    void anEmptyOrAbsentValueListRemovesTheName() {
        ServerHttpRequest request = nettyBacked("X-Api-Key-Id", "spoofed", "Accept", "*/*");

        HttpHeaders headers = overlay(request, List.of());

        assertThat(headers.containsHeader("X-Api-Key-Id")).isFalse();
        assertThat(iterated(headers)).containsOnlyKeys("Accept");
    }

    @Test
    void forwardedHeadersAreReadOnlyLikeTheRequestsOwn() {
        HttpHeaders headers = overlay(nettyBacked("Accept", "*/*"), List.of("id"));

        assertThatThrownBy(() -> headers.add("X-Other", "1"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> headers.set("Accept", "1"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> headers.remove("Accept"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(headers::clear).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void hiddenNamesAreNeitherReadNorListed() {
        HttpHeaders headers =
                overlay(
                        nettyBacked(
                                "X_Api_Key_Owner", "victim",
                                "Accept", "*/*",
                                "x_api_key_id", "spoofed"),
                        List.of("id"));

        assertThat(headers.get("X_Api_Key_Owner")).isNull();
        assertThat(headers.containsHeader("x_api_key_id")).isFalse();
        assertThat(headers.getFirst("X-Api-Key-Id")).isEqualTo("id");
        assertThat(iterated(headers)).containsOnlyKeys("Accept", "X-Api-Key-Id");
    }
}
