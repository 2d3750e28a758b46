package dev.keygate.gateway.authentication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class ClientAddressResolverTests {

    private static MockServerHttpRequest.BaseBuilder<?> from(String peer) {
        return MockServerHttpRequest.get("/").remoteAddress(new InetSocketAddress(peer, 40000));
    }

    @Test
    void withoutTrustedProxiesThePeerIsTheClientWhateverItClaims() {
        ClientAddressResolver resolver = new ClientAddressResolver(List.of());
        assertThat(
                        resolver.resolve(
                                from("198.51.100.4")
                                        .header("X-Forwarded-For", "203.0.113.9")
                                        .build()))
                .isEqualTo("198.51.100.4");
    }

    @Test
    void behindATrustedProxyTheRightmostUntrustedHopIsTheClient() {
        ClientAddressResolver resolver =
                new ClientAddressResolver(List.of("10.0.0.0/8", "192.0.2.7"));
        // a client that prepends a fake address cannot hide its real one
        assertThat(
                        resolver.resolve(
                                from("10.1.2.3")
                                        .header(
                                                "X-Forwarded-For",
                                                "203.0.113.9, 198.51.100.4, 192.0.2.7")
                                        .build()))
                .isEqualTo("198.51.100.4");
        assertThat(resolver.resolve(from("10.1.2.3").build())).isEqualTo("10.1.2.3");
        assertThat(
                        resolver.resolve(
                                from("10.1.2.3").header("X-Forwarded-For", "not-an-ip").build()))
                .isEqualTo("10.1.2.3");
    }

    @Test
    void cidrBlocksMatchOnTheirPrefixOnly() {
        ClientAddressResolver resolver = new ClientAddressResolver(List.of("172.16.0.0/12"));
        assertThat(
                        resolver.resolve(
                                from("172.31.255.1")
                                        .header("X-Forwarded-For", "198.51.100.4")
                                        .build()))
                .isEqualTo("198.51.100.4");
        assertThat(
                        resolver.resolve(
                                from("172.32.0.1")
                                        .header("X-Forwarded-For", "198.51.100.4")
                                        .build()))
                .isEqualTo("172.32.0.1");
    }

    @Test
    void aMisconfiguredProxyFailsFastWithTheValue() {
        assertThatThrownBy(() -> new ClientAddressResolver(List.of("proxy.internal")))
                .hasMessageContaining("proxy.internal");
        assertThatThrownBy(() -> new ClientAddressResolver(List.of("10.0.0.0/33")))
                .hasMessageContaining("10.0.0.0/33");
    }
}
