package dev.keygate.admin.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class BearerTokenConverterTests {

    private final BearerTokenConverter converter = new BearerTokenConverter();

    @Test
    void oneWellFormedBearerHeaderIsATokenAndNothingElseIs() {
        assertThat(converter.convert(MockServerHttpRequest.get("/").build()))
                .isInstanceOf(BearerTokenConverter.Result.Missing.class);
        assertThat(
                        converter.convert(
                                MockServerHttpRequest.get("/")
                                        .header("Authorization", "Bearer abc.DEF-123_~+/==")
                                        .build()))
                .isEqualTo(new BearerTokenConverter.Result.Presented("abc.DEF-123_~+/=="));
        for (String bad :
                new String[] {"Bearer", "Bearer ", "Basic abc", "Bearer a b", "Bearer a\"b"}) {
            assertThat(
                            converter.convert(
                                    MockServerHttpRequest.get("/")
                                            .header("Authorization", bad)
                                            .build()))
                    .as(bad)
                    .isInstanceOf(BearerTokenConverter.Result.Malformed.class);
        }
        assertThat(
                        converter.convert(
                                MockServerHttpRequest.get("/")
                                        .header("Authorization", "Bearer a", "Bearer b")
                                        .build()))
                .isInstanceOf(BearerTokenConverter.Result.Malformed.class);
    }

    @Test
    void queryStringTokenIsIgnored() {
        assertThat(converter.convert(MockServerHttpRequest.get("/?access_token=abc").build()))
                .isInstanceOf(BearerTokenConverter.Result.Missing.class);
    }

    @Test
    void presentedTokenIsRedactedInToString() {
        assertThat(new BearerTokenConverter.Result.Presented("secret-value").toString())
                .doesNotContain("secret-value");
    }
}
