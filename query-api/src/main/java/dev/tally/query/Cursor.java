package dev.tally.query;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import dev.tally.schemas.ProblemException;

/**
 * Where the next page of a count query starts: the index of the window size (for {@code window=all})
 * and the start of the next window. Opaque to clients: {@code next_cursor} in one answer is the
 * {@code cursor} of the next request, with the same other parameters.
 */
public record Cursor(int sizeIndex, Instant start) {

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("v1:" + sizeIndex + ":" + start.toEpochMilli()).getBytes(StandardCharsets.UTF_8));
    }

    public static Cursor decode(final String text) {
        try {
            final String[] parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split(":");
            if (parts.length == 3 && parts[0].equals("v1")) {
                return new Cursor(Integer.parseInt(parts[1]), Instant.ofEpochMilli(Long.parseLong(parts[2])));
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw ProblemException.badRequest("'cursor' is not a cursor this API returned: pass back 'next_cursor' unchanged.");
    }
}
