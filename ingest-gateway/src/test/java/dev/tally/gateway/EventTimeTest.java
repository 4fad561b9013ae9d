package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventTimeTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "1795341597,                    SECONDS, 2026-11-22T09:59:57Z",
        "1795341597.908181,             SECONDS, 2026-11-22T09:59:57.908181Z",
        "1795341597123,                 MILLIS,  2026-11-22T09:59:57.123Z",
        "2026-11-22T10:59:57+01:00,     SECONDS, 2026-11-22T09:59:57Z",
        "2026-11-22T09:59:57.5Z,        SECONDS, 2026-11-22T09:59:57.500Z",
        "2026-11-22T09:59:57,           SECONDS, 2026-11-22T09:59:57Z",
    })
    void shouldReadUnixTimesAndIso8601(final String text, final EventTime.Epoch epoch, final Instant expected) {
        assertThat(EventTime.parse(text, epoch, "The body's /time")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "yesterday,             neither a unix timestamp nor an ISO 8601 date-time",
        "1969-12-31T23:59:59Z,  before 1970",
        "99999999999999999999,  out of range",
    })
    void shouldRejectWhatItCannotReadWith400NamingTheField(final String text, final String detail) {
        SchemeContract.assertProblem(() -> EventTime.parse(text, EventTime.Epoch.SECONDS, "The body's /time"), 400, "The body's /time");
        SchemeContract.assertProblem(() -> EventTime.parse(text, EventTime.Epoch.SECONDS, "The body's /time"), 400, detail);
    }
}
