package dev.keygate.gateway.authentication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

class ClientAddressResolverTests {

    private static MockServerHttpRequest.BaseBuilder<?> from(String peer) {
        return MockServerHttpRequest.get("/").remoteAddress(new InetSocketAddress(peer, 40000));
    }

    /** The client the throttle counts for {@code request}: the resolved address, as text. */
    static String client(ClientAddressResolver resolver, MockServerHttpRequest request) {
        return new FailedAuthenticationThrottle(1, 1, 10, resolver, Ticker.systemTicker())
                .client(MockServerWebExchange.from(request));
    }

    @Test
    void withoutTrustedProxiesThePeerIsTheClientWhateverItClaims() {
        ClientAddressResolver resolver = new ClientAddressResolver(List.of());
        assertThat(
                        client(
                                resolver,
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
                        client(
                                resolver,
                                from("10.1.2.3")
                                        .header(
                                                "X-Forwarded-For",
                                                "203.0.113.9, 198.51.100.4, 192.0.2.7")
                                        .build()))
                .isEqualTo("198.51.100.4");
        assertThat(client(resolver, from("10.1.2.3").build())).isEqualTo("10.1.2.3");
        assertThat(
                        client(
                                resolver,
                                from("10.1.2.3").header("X-Forwarded-For", "not-an-ip").build()))
                .isEqualTo("10.1.2.3");
    }

    @Test
    void cidrBlocksMatchOnTheirPrefixOnly() {
        ClientAddressResolver resolver = new ClientAddressResolver(List.of("172.16.0.0/12"));
        assertThat(
                        client(
                                resolver,
                                from("172.31.255.1")
                                        .header("X-Forwarded-For", "198.51.100.4")
                                        .build()))
                .isEqualTo("198.51.100.4");
        assertThat(
                        client(
                                resolver,
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

    /**
     * A name in X-Forwarded-For made only of hex letters and dots ({@code dead.beef}) passed the
     * old literal check and went to {@code InetAddress.getByName}: a DNS query from the event loop.
     * A JVM of its own, whose resolver is a hosts file that knows that name, shows whether any
     * lookup happens: a lookup would make the name's address the client.
     */
    @Test
    void forwardedForNamesAreNeverResolved(@TempDir Path directory) throws Exception {
        Path hosts = directory.resolve("hosts");
        Files.writeString(
                hosts, "203.0.113.66 dead.beef\n203.0.113.67 cafe\n127.0.0.1 localhost\n");
        for (String name : List.of("dead.beef", "cafe")) {
            Process probe =
                    new ProcessBuilder(
                                    Path.of(System.getProperty("java.home"), "bin", "java")
                                            .toString(),
                                    "-Djdk.net.hosts.file=" + hosts,
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    ForwardedForProbe.class.getName(),
                                    name)
                            .redirectErrorStream(true)
                            .start();
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String output = new String(probe.getInputStream().readAllBytes()).trim();
            // garbage in the chain: the last trusted hop stays the client; no name was looked up
            assertThat(output).as(name).endsWith("10.0.0.1").doesNotContain("203.0.113.6");
        }
    }

    @Test
    void forwardedEntriesWithPortsAreReadAndIpv6ClientsCountPerSlash64() {
        ClientAddressResolver resolver = new ClientAddressResolver(List.of("10.0.0.0/8"));
        assertThat(
                        client(
                                resolver,
                                from("10.0.0.1")
                                        .header("X-Forwarded-For", "198.51.100.4:51234")
                                        .build()))
                .isEqualTo("198.51.100.4");
        assertThat(
                        client(
                                resolver,
                                from("10.0.0.1")
                                        .header("X-Forwarded-For", "[2001:db8:1:2:aaaa::1]:443")
                                        .build()))
                .isEqualTo("2001:db8:1:2::/64");
        // every address of one /64 is one client
        assertThat(client(resolver, from("2001:db8:1:2:ffff::9").build()))
                .isEqualTo("2001:db8:1:2::/64");
    }

    @Test
    void ipLiteralsAreParsedWithoutAResolver() {
        assertThat(ClientAddressResolver.literal("192.0.2.1").getHostAddress())
                .isEqualTo("192.0.2.1");
        assertThat(ClientAddressResolver.literal("2001:db8::1")).isNotNull();
        assertThat(ClientAddressResolver.literal("dead.beef")).isNull();
        assertThat(ClientAddressResolver.literal("a1.deadbeef.cafe")).isNull();
        assertThat(ClientAddressResolver.literal("")).isNull();
    }
}
