package dev.keygate.admin.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.web.server.authentication.ServerAuthenticationConverter;
import reactor.test.StepVerifier;

/** The admin chain's converter: Spring Security's, stricter on repeated or huge headers. */
class SingleBearerTokenConverterTests {

    private final ServerAuthenticationConverter converter =
            AdminSecurityConfiguration.singleBearerToken();

    private static MockServerWebExchange with(String... authorization) {
        MockServerHttpRequest.BaseBuilder<?> request = MockServerHttpRequest.get("/v1/keys");
        if (authorization.length > 0) {
            request.header("Authorization", authorization);
        }
        return MockServerWebExchange.from(request);
    }

    @Test
    void oneWellFormedBearerTokenIsPresentedAndNoHeaderIsNoAttempt() {
        StepVerifier.create(converter.convert(with("Bearer abc.DEF-123_~+/==")))
                .assertNext(
                        authentication ->
                                assertThat(
                                                ((BearerTokenAuthenticationToken) authentication)
                                                        .getToken())
                                        .isEqualTo("abc.DEF-123_~+/=="))
                .verifyComplete();
        StepVerifier.create(converter.convert(with())).verifyComplete();
    }

    @Test
    void malformedBearerHeadersAndTwoHeadersAreRefused() {
        for (String bad : new String[] {"Bearer", "Bearer ", "Bearer a b", "Bearer a\"b"}) {
            StepVerifier.create(converter.convert(with(bad)))
                    .as(bad)
                    .expectError(OAuth2AuthenticationException.class)
                    .verify();
        }
        StepVerifier.create(converter.convert(with("Bearer a", "Bearer b")))
                .expectError(OAuth2AuthenticationException.class)
                .verify();
        StepVerifier.create(converter.convert(with("Bearer " + "a".repeat(2000))))
                .expectError(OAuth2AuthenticationException.class)
                .verify();
    }

    @Test
    void otherSchemesAndQueryStringTokensAreNoAttempt() {
        // no bearer credential: the chain answers 401 "malformed" (a header) or "missing"
        StepVerifier.create(converter.convert(with("Basic abc"))).verifyComplete();
        StepVerifier.create(
                        converter.convert(
                                MockServerWebExchange.from(
                                        MockServerHttpRequest.get("/?access_token=abc"))))
                .verifyComplete();
    }
}
