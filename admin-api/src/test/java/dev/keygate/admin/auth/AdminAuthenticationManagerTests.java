package dev.keygate.admin.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.config.AdminProperties;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.util.unit.DataSize;
import reactor.test.StepVerifier;

class AdminAuthenticationManagerTests {

    private static final String ADMIN = "mgr-admin-token-0123456789abcdefXYZ";
    private static final String READ_ONLY = "mgr-read-only-token-0123456789abcdQ";

    private final AdminAuthenticationManager manager =
            new AdminAuthenticationManager(
                    AdminTokenRegistry.from(
                            new AdminProperties(
                                    ADMIN,
                                    List.of(
                                            new AdminProperties.TokenProperties(
                                                    "auditor", READ_ONLY, AdminRole.READ_ONLY)),
                                    Duration.ofDays(7),
                                    Duration.ofMinutes(10),
                                    100_000,
                                    "kg",
                                    "kg",
                                    DataSize.ofKilobytes(16),
                                    new AdminProperties.DurabilityProperties(
                                            0, Duration.ofSeconds(1), 4))));

    @Test
    void knownTokensBecomeTheirAdminWithTheRoleAsAuthority() {
        StepVerifier.create(manager.authenticate(new BearerTokenAuthenticationToken(READ_ONLY)))
                .assertNext(
                        authentication -> {
                            assertThat(authentication.isAuthenticated()).isTrue();
                            assertThat(authentication.getName()).isEqualTo("auditor");
                            assertThat(authentication.getAuthorities())
                                    .extracting(GrantedAuthority::getAuthority)
                                    .containsExactly("read-only");
                            assertThat(authentication.getCredentials()).isNull();
                            assertThat(authentication.toString()).doesNotContain(READ_ONLY);
                        })
                .verifyComplete();
        StepVerifier.create(manager.authenticate(new BearerTokenAuthenticationToken(ADMIN)))
                .assertNext(
                        authentication ->
                                assertThat(authentication.getAuthorities())
                                        .extracting(GrantedAuthority::getAuthority)
                                        .containsExactly("admin"))
                .verifyComplete();
    }

    @Test
    void unknownTokensAndOtherCredentialsFailClosed() {
        StepVerifier.create(manager.authenticate(new BearerTokenAuthenticationToken(ADMIN + "x")))
                .expectErrorSatisfies(
                        ex ->
                                assertThat(ex)
                                        .isInstanceOf(BadCredentialsException.class)
                                        .hasMessageNotContaining(ADMIN))
                .verify();
        StepVerifier.create(
                        manager.authenticate(
                                UsernamePasswordAuthenticationToken.unauthenticated(
                                        "admin", ADMIN)))
                .expectError(BadCredentialsException.class)
                .verify();
    }
}
