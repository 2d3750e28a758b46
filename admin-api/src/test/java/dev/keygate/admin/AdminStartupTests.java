package dev.keygate.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keygate.admin.auth.AdminRole;
import dev.keygate.admin.auth.AdminTokenRegistry;
import dev.keygate.admin.config.AdminProperties;
import dev.keygate.admin.config.AdminProperties.TokenProperties;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.util.unit.DataSize;

class AdminStartupTests {

    private static AdminProperties properties(String token, List<TokenProperties> tokens) {
        return new AdminProperties(
                token,
                tokens,
                Duration.ofDays(7),
                Duration.ofMinutes(10),
                100_000,
                "kg",
                "kg",
                DataSize.ofKilobytes(16),
                new AdminProperties.DurabilityProperties(0, Duration.ofSeconds(1), 4));
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
                                                "--keygate.admin.token=0123456789abcdef0123",
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
        assertThatThrownBy(
                        () ->
                                AdminTokenRegistry.from(
                                        properties(
                                                "0123456789abcdef",
                                                List.of(
                                                        new TokenProperties(
                                                                "admin",
                                                                "fedcba9876543210",
                                                                AdminRole.READ_ONLY)))))
                .hasMessageContaining("named 'admin'");
        assertThatThrownBy(
                        () ->
                                AdminTokenRegistry.from(
                                        properties(
                                                "0123456789abcdef",
                                                List.of(
                                                        new TokenProperties(
                                                                "ro",
                                                                "0123456789abcdef",
                                                                AdminRole.READ_ONLY)))))
                .hasMessageContaining("same value");
    }

    @Test
    void registryFindsTheTokenAndItsRoleAndNeverPrintsIt() {
        AdminTokenRegistry registry =
                AdminTokenRegistry.from(
                        properties(
                                "0123456789abcdef",
                                List.of(
                                        new TokenProperties(
                                                "ro", "fedcba9876543210", AdminRole.READ_ONLY))));
        assertThat(registry.authenticate("fedcba9876543210"))
                .hasValueSatisfying(p -> assertThat(p.role()).isEqualTo(AdminRole.READ_ONLY));
        assertThat(registry.authenticate("0123456789abcdef"))
                .hasValueSatisfying(p -> assertThat(p.name()).isEqualTo("admin"));
        assertThat(registry.authenticate("0123456789abcdeF")).isEmpty();
        assertThat(registry.toString()).doesNotContain("0123456789abcdef");
        assertThat(properties("0123456789abcdef", List.of()).toString())
                .doesNotContain("0123456789abcdef");
    }
}
