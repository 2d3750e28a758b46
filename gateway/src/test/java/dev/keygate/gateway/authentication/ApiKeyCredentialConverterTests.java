package dev.keygate.gateway.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

class ApiKeyCredentialConverterTests {

    private static final String KEY = "kg_3fKq9ZbT0aW_qL7v0abcdefghijklmnopqrstuvwxyz0123456";
    private static final String OTHER_KEY = "kg_AAAAAAAAAAA_qL7v0abcdefghijklmnopqrstuvwxyz0123456";

    private final ApiKeyCredentialConverter converter =
            new ApiKeyCredentialConverter(
                    List.of("Bearer", "Apikey"), List.of("X-Api-Key"), List.of());

    private final ApiKeyCredentialConverter withQueryParameter =
            new ApiKeyCredentialConverter(
                    List.of("Bearer", "Apikey"), List.of("X-Api-Key"), List.of("api_key"));

    private static CredentialExtraction presented(String value) {
        return new CredentialExtraction.Presented(value);
    }

    @Test
    void readsBearerToken() {
        var request =
                MockServerHttpRequest.get("/orders")
                        .header("Authorization", "Bearer " + KEY)
                        .build();

        assertThat(converter.resolve(request)).isEqualTo(presented(KEY));
    }

    @Test
    void readsApikeySchemeWhateverItsCase() {
        for (String scheme : List.of("Apikey", "apikey", "APIKEY", "ApiKey", "bearer", "BEARER")) {
            var request =
                    MockServerHttpRequest.get("/orders")
                            .header("Authorization", scheme + " " + KEY)
                            .build();

            assertThat(converter.resolve(request)).as(scheme).isEqualTo(presented(KEY));
        }
    }

    @Test
    void trimsTheToken() {
        var request =
                MockServerHttpRequest.get("/orders")
                        .header("Authorization", "  Bearer   " + KEY + "  ")
                        .header("X-Api-Key", " " + KEY + " ")
                        .build();

        assertThat(converter.resolve(request)).isEqualTo(presented(KEY));
    }

    @Test
    void readsXApiKeyHeaderWhateverTheCaseOfItsName() {
        var request = MockServerHttpRequest.get("/orders").header("x-api-key", KEY).build();

        assertThat(converter.resolve(request)).isEqualTo(presented(KEY));
    }

    @Test
    void nothingPresentedIsMissing() {
        var request =
                MockServerHttpRequest.get("/orders").header("Accept", "application/json").build();

        assertThat(converter.resolve(request)).isSameAs(CredentialExtraction.MISSING);
    }

    @Test
    void basicAuthorizationIsNotOurs() {
        var request =
                MockServerHttpRequest.get("/orders")
                        .header("Authorization", "Basic dXNlcjpwYXNz")
                        .build();

        assertThat(converter.resolve(request)).isSameAs(CredentialExtraction.MISSING);
    }

    @Test
    void basicAuthorizationNextToOurCredentialIsIgnoredAndSurvivesStrip() {
        var request =
                MockServerHttpRequest.get("/orders")
                        .header("Authorization", "Basic dXNlcjpwYXNz", "Bearer " + KEY)
                        .build();

        assertThat(converter.resolve(request)).isEqualTo(presented(KEY));
        assertThat(converter.otherAuthorizations(request.getHeaders()))
                .containsExactly("Basic dXNlcjpwYXNz");
    }

    @Test
    void twoDifferentAuthorizationCredentialsAreAmbiguous() {
        var request =
                MockServerHttpRequest.get("/orders")
                        .header("Authorization", "Bearer " + KEY, "Apikey " + OTHER_KEY)
                        .build();

        assertThat(converter.resolve(request)).isSameAs(CredentialExtraction.AMBIGUOUS);
    }

    @Test
    void authorizationAndXApiKeyWithDifferentKeysAreAmbiguous() {
        var request =
                MockServerHttpRequest.get("/orders")
                        .header("Authorization", "Bearer " + KEY)
                        .header("X-Api-Key", OTHER_KEY)
                        .build();

        assertThat(converter.resolve(request)).isSameAs(CredentialExtraction.AMBIGUOUS);
    }

    @Test
    void twoDifferentXApiKeyValuesAreAmbiguous() {
        var request =
                MockServerHttpRequest.get("/orders").header("X-Api-Key", KEY, OTHER_KEY).build();

        assertThat(converter.resolve(request)).isSameAs(CredentialExtraction.AMBIGUOUS);
    }

    @Test
    void theSameKeyInSeveralPlacesCountsOnce() {
        var request =
                MockServerHttpRequest.get("/orders")
                        .header("Authorization", "Bearer " + KEY, "Apikey " + KEY)
                        .header("X-Api-Key", KEY, KEY)
                        .build();

        assertThat(converter.resolve(request)).isEqualTo(presented(KEY));
    }

    @Test
    void queryParameterIsIgnoredUnlessConfigured() {
        var request = MockServerHttpRequest.get("/orders?api_key=" + KEY).build();

        assertThat(converter.resolve(request)).isSameAs(CredentialExtraction.MISSING);
        assertThat(converter.stripQueryParameters(request)).isSameAs(request);
    }

    @Test
    void configuredQueryParameterIsReadAndStrippedWhileOtherParametersSurvive() {
        var request =
                MockServerHttpRequest.method(
                                HttpMethod.GET,
                                URI.create(
                                        "http://gateway/orders?page=2&api_key="
                                                + KEY
                                                + "&q=a%20b&tag=x&tag=y"))
                        .build();

        assertThat(withQueryParameter.resolve(request)).isEqualTo(presented(KEY));
        ServerHttpRequest stripped = withQueryParameter.stripQueryParameters(request);
        assertThat(stripped.getURI().getRawQuery()).isEqualTo("page=2&q=a%20b&tag=x&tag=y");
        assertThat(stripped.getURI().getPath()).isEqualTo("/orders");
        assertThat(stripped.getQueryParams()).doesNotContainKey("api_key");
        assertThat(stripped.getQueryParams().get("q")).containsExactly("a b");
    }

    @Test
    void queryParameterDifferentFromTheHeaderIsAmbiguous() {
        var request =
                MockServerHttpRequest.get("/orders?api_key=" + OTHER_KEY)
                        .header("X-Api-Key", KEY)
                        .build();

        assertThat(withQueryParameter.resolve(request)).isSameAs(CredentialExtraction.AMBIGUOUS);
    }

    @Test
    void encodedQueryParameterNameIsReadAndStrippedLikeThePlainOne() {
        var request =
                MockServerHttpRequest.method(
                                HttpMethod.GET,
                                URI.create(
                                        "http://gateway/orders?api%5Fkey="
                                                + KEY
                                                + "&page=2&api_key="
                                                + KEY
                                                + "&api%5fkey="
                                                + KEY))
                        .build();

        assertThat(withQueryParameter.resolve(request)).isEqualTo(presented(KEY));
        ServerHttpRequest stripped = withQueryParameter.stripQueryParameters(request);
        assertThat(stripped.getURI().getRawQuery()).isEqualTo("page=2");
    }

    @Test
    void queryParameterNamesAreReadAsSpringReadsThem() {
        var request =
                MockServerHttpRequest.method(
                                HttpMethod.GET,
                                URI.create(
                                        "http://gateway/orders?==api_key="
                                                + KEY
                                                + "&x=1&&=api_key="
                                                + KEY))
                        .build();

        assertThat(withQueryParameter.resolve(request)).isEqualTo(presented(KEY));
        ServerHttpRequest stripped = withQueryParameter.stripQueryParameters(request);
        assertThat(stripped.getURI().getRawQuery()).isEqualTo("x=1&");
        assertThat(stripped.getQueryParams()).doesNotContainKey("api_key");
    }

    @Test
    void tabAfterTheSchemeReadsAsOurScheme() {
        var request =
                MockServerHttpRequest.get("/orders")
                        .header("Authorization", "Bearer\t" + KEY)
                        .header("X-Api-Key", OTHER_KEY)
                        .build();

        // two different keys: ambiguous, instead of one authenticating and the other going upstream
        assertThat(converter.resolve(request)).isSameAs(CredentialExtraction.AMBIGUOUS);
        assertThat(converter.otherAuthorizations(request.getHeaders())).isNull();
    }

    @Test
    void presentedCredentialIsRedactedInToString() {
        assertThat(presented(KEY).toString()).doesNotContain(KEY);
    }
}
