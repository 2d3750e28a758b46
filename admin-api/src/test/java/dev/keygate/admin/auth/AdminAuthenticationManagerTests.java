package dev.keygate.admin.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.admin.config.AdminProperties;
import dev.keygate.admin.config.TestAdminProperties;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import reactor.test.StepVerifier;

class AdminAuthenticationManagerTests {

    private static final String ADMIN = "mgr-admin-token-0123456789abcdefXYZ";
    private static final String READ_ONLY = "mgr-read-only-token-0123456789abcdQ";

    private final AdminAuthenticationManager manager =
            new AdminAuthenticationManager(
                    AdminTokenRegistry.from(
                            TestAdminProperties.with(
                                    ADMIN,
                                    List.of(
                                            new AdminProperties.TokenProperties(
                                                    "auditor", READ_ONLY, AdminRole.READ_ONLY)))));

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
