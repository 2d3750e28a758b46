package dev.keygate.admin.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AuditTrailTests {

    @Test
    void previousStreamIdStepsBackOneSequenceOrOneMillisecond() {
        assertThat(AuditTrail.previousId("1700000000000-5")).isEqualTo("1700000000000-4");
        assertThat(AuditTrail.previousId("1700000000000-0"))
                .isEqualTo("1699999999999-18446744073709551615");
        assertThat(AuditTrail.previousId("0-0")).isNull();
    }
}
