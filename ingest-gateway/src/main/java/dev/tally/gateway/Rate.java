package dev.tally.gateway;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * A rate as written in the config: {@code 100/s}, {@code 600/m}, {@code 5000/h}. As a token bucket it
 * holds {@code count} tokens (the burst) and refills them evenly over {@code period}.
 */
public record Rate(long count, Duration period) {

    private static final Pattern FORMAT = Pattern.compile("\\s*(\\d{1,12})\\s*/\\s*(s|m|h|d)\\s*");

    public Rate {
        if (count < 0 || period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("a rate needs a count >= 0 and a positive period");
        }
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Rate parse(final String text) {
        final Matcher m = FORMAT.matcher(text == null ? "" : text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a rate; write it as count/unit, such as 100/s, 600/m or 5000/h");
        }
        final Duration period = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            case "h" -> Duration.ofHours(1);
            default -> Duration.ofDays(1);
        };
        return new Rate(Long.parseLong(m.group(1)), period);
    }

    @JsonValue
    @Override
    public String toString() {
        final String unit = period.equals(Duration.ofSeconds(1)) ? "s" : period.equals(Duration.ofMinutes(1)) ? "m"
                : period.equals(Duration.ofHours(1)) ? "h" : period.equals(Duration.ofDays(1)) ? "d" : period.toString();
        return count + "/" + unit;
    }
}
