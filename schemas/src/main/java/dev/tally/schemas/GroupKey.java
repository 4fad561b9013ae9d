package dev.tally.schemas;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

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

    private static final String PAYLOAD = "/payload";

    private GroupKey() {
    }

    /**
     * The key of {@code event} under {@code groupBy} (envelope field names, or JSON pointers into the
     * payload written {@code /payload/...}): the rule the processor's counters key events with, and the
     * gateway's replies find a command's count by.
     */
    public static String of(final List<String> groupBy, final Envelope event) {
        final List<String> values = new ArrayList<>(groupBy.size());
        for (String field : groupBy) {
            values.add(value(event, field));
        }
        return join(values);
    }

    private static String value(final Envelope event, final String field) {
        return switch (field) {
            case "source" -> event.source();
            case "event_type" -> event.eventType();
            case "entity_id" -> event.entityId();
            case "schema_version" -> event.schemaVersion();
            default -> event.payload() == null || !field.startsWith(PAYLOAD + "/") ? null
                    : text(event.payload().at(field.substring(PAYLOAD.length())));
        };
    }

    /** A payload value as key text (and as counters' payload filters compare it): scalars as their text, objects and arrays as JSON, absent as null. */
    public static String text(final JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return null;
        }
        return node.isValueNode() ? node.asText() : node.toString();
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
