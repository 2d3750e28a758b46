package dev.keygate.admin.config;

import java.time.Duration;
import java.util.List;
import org.springframework.util.unit.DataSize;

/** {@link AdminProperties} with the documented defaults, for tests that build beans by hand. */
public final class TestAdminProperties {

    private TestAdminProperties() {}

    /** The defaults with these tokens. */
    public static AdminProperties with(String token, List<AdminProperties.TokenProperties> tokens) {
        return new AdminProperties(
                token,
                tokens,
                Duration.ofDays(7),
                Duration.ofMinutes(10),
                100_000,
                "kg",
                "kg",
                DataSize.ofKilobytes(16),
                new AdminProperties.DurabilityProperties(0, Duration.ofSeconds(1), 4),
                new AdminProperties.PropagationProperties(Duration.ofSeconds(1)));
    }
}
