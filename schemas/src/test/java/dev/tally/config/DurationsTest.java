package dev.tally.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"500ms,PT0.5S", "30s,PT30S", "5m,PT5M", "1h,PT1H", "7d,PT168H", "90m,PT1H30M"})
    void shouldParseWhatPeopleWrite(final String text, final Duration expected) {
        assertThat(Durations.parse(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1m", "1h", "1d", "90m", "1500ms", "45s"})
    void shouldFormatBackToTheShortestSpelling(final String text) {
        assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "m", "-1m", "1 week", "1.5h"})
    void shouldRejectAnythingElseNamingTheFormat(final String text) {
        assertThatThrownBy(() -> Durations.parse(text)).hasMessageContaining("500ms, 30s, 5m, 1h or 7d");
    }
}
