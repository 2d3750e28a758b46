package dev.keygate.gateway.authentication;

import java.net.InetSocketAddress;
import java.util.List;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

/**
 * Run in a JVM of its own by {@link ClientAddressResolverTests}: resolves the client address of a
 * request from the trusted proxy 10.0.0.1 carrying {@code X-Forwarded-For: <args[0]>}, and prints
 * it.
 */
final class ForwardedForProbe {

    private ForwardedForProbe() {}

    public static void main(String[] args) {
        ClientAddressResolver resolver = new ClientAddressResolver(List.of("10.0.0.0/8"));
        System.out.println(
                ClientAddressResolverTests.client(
                        resolver,
                        MockServerHttpRequest.get("/")
                                .remoteAddress(new InetSocketAddress("10.0.0.1", 40000))
                                .header("X-Forwarded-For", args[0])
                                .build()));
    }
}
