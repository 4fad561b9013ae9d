package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link OffsetDateTimeText} accepts and rejects exactly what {@link OffsetDateTime#parse} does, with the same instant. */
class OffsetDateTimeTextTest {

    @Property(tries = 20_000)
    void shouldAgreeWithOffsetDateTimeParseOnNearlyIsoText(@ForAll("nearlyIso") final String text) {
        assertAgrees(text);
    }

    @Property(tries = 5_000)
    void shouldAgreeWithOffsetDateTimeParseOnAnyText(@ForAll("anyText") final String text) {
        assertAgrees(text);
    }

    @Property(tries = 5_000)
    void shouldReadEveryInstantAsOffsetDateTimeDoes(@ForAll("instants") final Instant instant, @ForAll("offsets") final String offset) {
        final String utc = instant.toString();
        assertAgrees(utc);
        assertAgrees(utc.substring(0, utc.length() - 1) + offset);
    }

    @Example
    void shouldReadTheFormsSendersUse() {
        assertThat(OffsetDateTimeText.parse("2026-11-22T10:15:30Z")).isEqualTo(Instant.parse("2026-11-22T10:15:30Z"));
        assertThat(OffsetDateTimeText.parse("2026-11-22T11:15:30.123456789+01:00")).isEqualTo(Instant.parse("2026-11-22T10:15:30.123456789Z"));
        assertThat(OffsetDateTimeText.parse("2026-11-22T10:15Z")).isEqualTo(Instant.parse("2026-11-22T10:15:00Z"));
        // A decimal point without digits is accepted by OffsetDateTime.parse, so here too.
        assertThat(OffsetDateTimeText.parse("2026-11-22T10:15:30.Z")).isEqualTo(Instant.parse("2026-11-22T10:15:30Z"));
    }

    @Example
    void shouldRejectWhatOffsetDateTimeRejects() {
        for (String text : new String[] {"2026-02-29T10:15:30Z", "2026-11-22T24:00:00Z", "2026-11-22T10:15:60Z",
                "2026-11-22T10:15:30+18:01", "2026-11-22T10:15:30.1234567890Z", "2026-11-22T10:15:30",
                "2026-11-22 10:15:30Z", "+2026-11-22T10:15:30Z"}) {
            assertThatThrownBy(() -> OffsetDateTimeText.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
        }
    }

    private static void assertAgrees(final String text) {
        Instant expected;
        try {
            expected = OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            expected = null;
        }
        if (expected == null) {
            assertThatThrownBy(() -> OffsetDateTimeText.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
        } else {
            assertThat(OffsetDateTimeText.parse(text)).as(text).isEqualTo(expected);
        }
    }

    /** ISO-shaped text whose parts are each sometimes out of range, missing, too long or the wrong character. */
    @Provide
    Arbitrary<String> nearlyIso() {
        final Arbitrary<String> year = Arbitraries.oneOf(digits(4, 4), digits(3, 5), Arbitraries.of("0000", "9999", "+10000", "-0001", "2024", "2100"));
        final Arbitrary<String> twoDigits = Arbitraries.oneOf(digits(2, 2), digits(1, 3),
                Arbitraries.of("00", "01", "12", "13", "23", "24", "28", "29", "30", "31", "32", "59", "60", "99"));
        final Arbitrary<String> dash = Arbitraries.of("-", "-", "-", "/", "");
        final Arbitrary<String> t = Arbitraries.of("T", "T", "T", "t", " ", "");
        final Arbitrary<String> colon = Arbitraries.of(":", ":", ":", "", ".");
        final Arbitrary<String> seconds = Arbitraries.oneOf(twoDigits.map(s -> ":" + s), Arbitraries.just(""));
        final Arbitrary<String> fraction = Arbitraries.oneOf(Arbitraries.just(""), Arbitraries.just(""), digits(0, 11).map(d -> "." + d),
                digits(1, 3).map(d -> "," + d));
        final Arbitrary<String> offset = Arbitraries.oneOf(offsets(), Arbitraries.of("z", "", "+", "UTC", "Z ", "+01", "+0100",
                "+01:00:30", "-00:00", "+18:00", "-18:00", "+19:00", "+01:60", "+1:00"));
        final Arbitrary<String> date = Combinators.combine(year, dash, twoDigits, dash, twoDigits).as((y, d1, m, d2, d) -> y + d1 + m + d2 + d);
        final Arbitrary<String> time = Combinators.combine(twoDigits, colon, twoDigits, seconds, fraction).as((h, c, m, s, f) -> h + c + m + s + f);
        return Combinators.combine(date, t, time, offset).as((d, sep, tm, o) -> d + sep + tm + o);
    }

    @Provide
    Arbitrary<String> anyText() {
        return Arbitraries.strings().withChars("0123456789-:T.Z+ tz").ofMinLength(0).ofMaxLength(32);
    }

    @Provide
    Arbitrary<Instant> instants() {
        return Arbitraries.longs().between(Instant.parse("0000-01-01T00:00:00Z").getEpochSecond(), Instant.parse("9999-12-31T00:00:00Z").getEpochSecond())
                .flatMap(s -> Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(0, 999_999_999))
                        .map(n -> Instant.ofEpochSecond(s, n)));
    }

    @Provide
    Arbitrary<String> offsets() {
        return Combinators.combine(Arbitraries.of("+", "-"), Arbitraries.integers().between(0, 19), Arbitraries.integers().between(0, 60))
                .as((sign, h, m) -> String.format("%s%02d:%02d", sign, h, m));
    }

    private static Arbitrary<String> digits(final int min, final int max) {
        return Arbitraries.strings().numeric().ofMinLength(min).ofMaxLength(max);
    }
}
