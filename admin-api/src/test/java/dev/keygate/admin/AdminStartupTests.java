package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keygate.admin.auth.AdminRole;
import dev.keygate.admin.auth.AdminTokenConfigurationException;
import dev.keygate.admin.auth.AdminTokenRegistry;
import dev.keygate.admin.config.AdminProperties;
import dev.keygate.admin.config.AdminProperties.TokenProperties;
import dev.keygate.admin.config.TestAdminProperties;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class AdminStartupTests {

    /** Two tokens as 'openssl rand -base64 32' prints them. */
    private static final String TOKEN_A = "pd6v12L6zbJNdI1oZWx9LbLtlv9m8h3Q5fmrocYSLs0=";

    private static final String TOKEN_B = "+zsOdN+iXTNBwgmCgPEHOmjrDIJn78l5nP/jnLQDTrw=";

    /** Starts the application with these command-line arguments (they win over application.yml). */
    private static void start(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(
                List.of(
                        "--server.port=0",
                        "--management.server.port=0",
                        "--spring.data.redis.url=redis://127.0.0.1:1"));
        new SpringApplicationBuilder(AdminApiApplication.class)
                .run(all.toArray(String[]::new))
                .close();
    }

    private static AdminProperties properties(String token, List<TokenProperties> tokens) {
        return TestAdminProperties.with(token, tokens);
    }

    @Test
    void applicationRefusesAWaitForReplicasThatTheCommandTimeoutWouldCutShort() {
        // command-line arguments: application.yml would override the builder's default properties
        assertThatThrownBy(
                        () ->
                                new SpringApplicationBuilder(AdminApiApplication.class)
                                        .run(
                                                "--server.port=0",
                                                "--management.server.port=0",
                                                "--keygate.admin.token=" + TOKEN_A,
                                                "--keygate.admin.durability.wait-for-replicas=1",
                                                "--keygate.admin.durability.wait-timeout=2s",
                                                "--spring.data.redis.timeout=2s",
                                                "--spring.data.redis.url=redis://127.0.0.1:1")
                                        .close())
                .rootCause()
                .hasMessageContaining("keygate.admin.durability.wait-timeout (PT2S)")
                .hasMessageContaining("spring.data.redis.timeout (PT2S)");
    }

    @Test
    void applicationRefusesToStartWithoutAnAdminTokenAndSaysHowToSetOne() {
        assertThatThrownBy(
                        () ->
                                new SpringApplicationBuilder(AdminApiApplication.class)
                                        .properties(
                                                "server.port=0",
                                                "management.server.port=0",
                                                "spring.data.redis.url=redis://127.0.0.1:1")
                                        .run()
                                        .close())
                .rootCause()
                .hasMessageContaining("KEYGATE_ADMIN_TOKEN")
                .hasMessageContaining("keygate.admin.token");
    }

    @Test
    void shortTokensDuplicateNamesAndDuplicateValuesAreRefused() {
        assertThatThrownBy(() -> AdminTokenRegistry.from(properties("short", List.of())))
                .hasMessageContaining("at least 16");
        assertThatThrownBy(() -> registry(TOKEN_A, "admin", TOKEN_B, AdminRole.READ_ONLY))
                .hasMessageContaining("named 'admin'");
        assertThatThrownBy(() -> registry(TOKEN_A, "ro", TOKEN_A, AdminRole.READ_ONLY))
                .hasMessageContaining("same value");
    }

    @Test
    void registryFindsTheTokenAndItsRoleAndNeverPrintsIt() {
        AdminTokenRegistry registry = registry(TOKEN_A, "ro", TOKEN_B, AdminRole.READ_ONLY);
        assertThat(registry.authenticate(TOKEN_B))
                .hasValueSatisfying(p -> assertThat(p.role()).isEqualTo(AdminRole.READ_ONLY));
        assertThat(registry.authenticate(TOKEN_A))
                .hasValueSatisfying(p -> assertThat(p.name()).isEqualTo("admin"));
        assertThat(registry.authenticate("pd6v12L6zbJNdI1oZWx9LbLtlv9m8h3Q5fmrocYSLs1=")).isEmpty();
        assertThat(registry.toString()).doesNotContain(TOKEN_A);
        assertThat(properties(TOKEN_A, List.of()).toString()).doesNotContain(TOKEN_A);
    }

    /**
     * Finding 7: the token of our own example files passed the length check, so an admin API
     * deployed from them unedited accepted a token everyone can read.
     */
    @Test
    void exampleTokenFromOurDocsIsRefusedAtStart(CapturedOutput output) {
        assertThatThrownBy(() -> start("--keygate.admin.token=change-me-to-a-long-random-token"))
                .rootCause()
                .isInstanceOf(AdminTokenConfigurationException.class)
                .hasMessageContaining("keygate.admin.token is an example value")
                .hasMessageNotContaining("change-me-to-a-long-random-token");
        assertThat(output).contains("APPLICATION FAILED TO START").contains("openssl rand");
        // in named tokens too, and whatever follows the marker
        assertThatThrownBy(
                        () -> registry(TOKEN_A, "ro", "CHANGE-ME-" + TOKEN_B, AdminRole.READ_ONLY))
                .hasMessageContaining("keygate.admin.tokens[0].token is an example value");
    }

    /**
     * Finding 7: a long token of one repeated character (or a short alphabet) passed the length
     * check; tokens under an estimated 128 bits are refused, generated ones pass.
     */
    @Test
    void lowEntropyTokenIsRefusedAtStart(CapturedOutput output) {
        assertThatThrownBy(() -> start("--keygate.admin.token=" + "a".repeat(64)))
                .rootCause()
                .isInstanceOf(AdminTokenConfigurationException.class)
                .hasMessageContaining("estimated entropy of 0 bits, below the 128 required");
        assertThat(output).contains("APPLICATION FAILED TO START");
        for (String weak :
                List.of(
                        "a".repeat(1000),
                        "0123456789abcdef0123",
                        "abc".repeat(20),
                        "admin-admin-admin-admin-admin-admin")) {
            assertThatThrownBy(() -> AdminTokenRegistry.from(properties(weak, List.of())))
                    .as(weak)
                    .hasMessageContaining("below the 128 required");
        }
        java.security.SecureRandom random = new java.security.SecureRandom();
        for (int i = 0; i < 200; i++) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            String base64 = java.util.Base64.getEncoder().encodeToString(bytes);
            String hex = java.util.HexFormat.of().formatHex(bytes);
            assertThat(AdminTokenRegistry.from(properties(base64, List.of())).size()).isOne();
            assertThat(AdminTokenRegistry.from(properties(hex, List.of())).size()).isOne();
        }
        // what deploy/local/run.sh generates: local- and 24 random bytes in hex
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        assertThat(
                        AdminTokenRegistry.from(
                                        properties(
                                                "local-"
                                                        + java.util.HexFormat.of().formatHex(bytes),
                                                List.of()))
                                .size())
                .isOne();
    }

    /** The registry for {@code token} and one named token. */
    private static AdminTokenRegistry registry(
            String token, String name, String value, AdminRole role) {
        return AdminTokenRegistry.from(
                properties(token, List.of(new TokenProperties(name, value, role))));
    }
}
