package dev.keygate.portal;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * An OpenID Connect issuer over real HTTP (WireMock): its discovery document and JWKS, and access
 * tokens it signs, as the self-service API receives them from a real provider. {@link
 * #foreignToken} signs with a key the issuer never published.
 */
final class TestIssuer implements AutoCloseable {

    private final WireMockServer server;
    private final RSAKey key;
    private final RSAKey foreignKey;

    TestIssuer() throws JOSEException {
        key = new RSAKeyGenerator(2048).keyID("issuer-key").generate();
        foreignKey = new RSAKeyGenerator(2048).keyID("issuer-key").generate();
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        server.start();
        String issuer = uri();
        server.stubFor(
                get(urlEqualTo("/.well-known/openid-configuration"))
                        .willReturn(
                                aResponse()
                                        .withHeader("Content-Type", "application/json")
                                        .withBody(
                                                "{\"issuer\":\""
                                                        + issuer
                                                        + "\",\"authorization_endpoint\":\""
                                                        + issuer
                                                        + "/authorize\",\"token_endpoint\":\""
                                                        + issuer
                                                        + "/token\",\"jwks_uri\":\""
                                                        + issuer
                                                        + "/jwks\",\"response_types_supported\":[\"code\"],"
                                                        + "\"subject_types_supported\":[\"public\"],"
                                                        + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}")));
        server.stubFor(
                get(urlEqualTo("/jwks"))
                        .willReturn(
                                aResponse()
                                        .withHeader("Content-Type", "application/json")
                                        .withBody(new JWKSet(key.toPublicJWK()).toString())));
    }

    String uri() {
        return "http://127.0.0.1:" + server.port();
    }

    /** An access token of {@code subject} with these organisations, valid for five minutes. */
    String token(String subject, List<String> orgs) {
        return sign(key, uri(), subject, orgs, Instant.now().plus(Duration.ofMinutes(5)));
    }

    String expiredToken(String subject) {
        return sign(key, uri(), subject, List.of(), Instant.now().minus(Duration.ofMinutes(5)));
    }

    String foreignToken(String subject) {
        return sign(
                foreignKey, uri(), subject, List.of(), Instant.now().plus(Duration.ofMinutes(5)));
    }

    String otherIssuerToken(String subject) {
        return sign(
                key, "https://evil.example", subject, List.of(), Instant.now().plusSeconds(300));
    }

    /** An ID token (it carries the sign-in's nonce) of {@code subject}: not an access token. */
    String idToken(String subject) {
        return sign(
                key,
                claims(uri(), subject, List.of(), Instant.now().plusSeconds(300))
                        .claim("nonce", "n-0S6")
                        .build());
    }

    /** An access token without {@code exp}. */
    String tokenWithoutExpiry(String subject) {
        return sign(key, claims(uri(), subject, List.of(), null).build());
    }

    /** An access token for another audience. */
    String tokenForAnotherAudience(String subject) {
        return sign(
                key,
                claims(uri(), subject, List.of(), Instant.now().plusSeconds(300))
                        .audience("billing-app")
                        .build());
    }

    private static String sign(
            RSAKey with, String issuer, String subject, List<String> orgs, Instant expires) {
        return sign(with, claims(issuer, subject, orgs, expires).build());
    }

    private static JWTClaimsSet.Builder claims(
            String issuer, String subject, List<String> orgs, Instant expires) {
        JWTClaimsSet.Builder claims =
                new JWTClaimsSet.Builder()
                        .issuer(issuer)
                        .subject(subject)
                        .audience("keygate-portal")
                        .claim("orgs", orgs)
                        .issueTime(Date.from(Instant.now().minusSeconds(60)));
        return expires == null ? claims : claims.expirationTime(Date.from(expires));
    }

    private static String sign(RSAKey with, JWTClaimsSet claims) {
        try {
            SignedJWT jwt =
                    new SignedJWT(
                            new JWSHeader.Builder(JWSAlgorithm.RS256)
                                    .keyID(with.getKeyID())
                                    .build(),
                            claims);
            jwt.sign(new RSASSASigner(with));
            return jwt.serialize();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
