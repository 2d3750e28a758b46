package dev.keygate.admin.pages;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DurationWordsTests {

    @Test
    void durationIsCountedInItsLargestWholeUnit() {
        assertThat(DurationWords.of(Duration.ofDays(1))).isEqualTo("1 day");
        assertThat(DurationWords.of(Duration.ofDays(7))).isEqualTo("7 days");
        assertThat(DurationWords.of(Duration.ofHours(1))).isEqualTo("1 hour");
        assertThat(DurationWords.of(Duration.ofHours(12))).isEqualTo("12 hours");
        assertThat(DurationWords.of(Duration.ofMinutes(1))).isEqualTo("1 minute");
        assertThat(DurationWords.of(Duration.ofMinutes(15))).isEqualTo("15 minutes");
        assertThat(DurationWords.of(Duration.ofSeconds(90))).isEqualTo("90 seconds");
    }

    @Test
    void perDropsTheCountOfOneUnit() {
        assertThat(DurationWords.per(Duration.ofSeconds(1))).isEqualTo("second");
        assertThat(DurationWords.per(Duration.ofMinutes(1))).isEqualTo("minute");
        assertThat(DurationWords.per(Duration.ofHours(1))).isEqualTo("hour");
        assertThat(DurationWords.per(Duration.ofDays(1))).isEqualTo("day");
        assertThat(DurationWords.per(Duration.ofSeconds(90))).isEqualTo("90 seconds");
    }

    @Test
    void fractionOfASecondStaysIsoRatherThanRounded() {
        assertThat(DurationWords.of(Duration.ofMillis(1500))).isEqualTo("PT1.5S");
    }

    @Test
    void graceChoiceOfAnOddMaximumNamesItExactly() {
        assertThat(
                        GraceChoices.of(
                                        List.of(Duration.ofHours(1)),
                                        Duration.ofSeconds(90),
                                        "none",
                                        "keep for")
                                .values())
                .containsExactly("none", "keep for 90 seconds");
    }
}
