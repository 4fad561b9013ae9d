package dev.tally.schemas;

import java.util.ArrayList;
import java.util.List;

/**
 * How a counter's group-by values become one string key, and back.
 *
 * <p>The values are joined with {@code |} in the order of the counter's {@code group_by} list. A
 * {@code |} or {@code \} inside a value is escaped with a backslash, so {@code a|b} and
 * {@code a\|b} are different keys. A value absent from the event is the empty string. So a
 * counter grouped by {@code [source, event_type]} stores {@code github|push}, and you query it with
 * {@code key=github%7Cpush} (URL-encoded) or {@code key=github|push} (most clients encode it for you).
 */
public final class GroupKey {

    public static final char SEPARATOR = '|';
    private static final char ESCAPE = '\\';

    private GroupKey() {
    }

    public static String join(final List<String> values) {
        final StringBuilder key = new StringBuilder();
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                key.append(SEPARATOR);
            }
            final String value = values.get(i) == null ? "" : values.get(i);
            for (int c = 0; c < value.length(); c++) {
                final char ch = value.charAt(c);
                if (ch == SEPARATOR || ch == ESCAPE) {
                    key.append(ESCAPE);
                }
                key.append(ch);
            }
        }
        return key.toString();
    }

    public static List<String> split(final String key) {
        final List<String> values = new ArrayList<>();
        final StringBuilder value = new StringBuilder();
        for (int c = 0; c < key.length(); c++) {
            final char ch = key.charAt(c);
            if (ch == ESCAPE && c + 1 < key.length()) {
                value.append(key.charAt(++c));
            } else if (ch == SEPARATOR) {
                values.add(value.toString());
                value.setLength(0);
            } else {
                value.append(ch);
            }
        }
        values.add(value.toString());
        return values;
    }
}
