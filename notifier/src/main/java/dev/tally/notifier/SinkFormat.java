package dev.tally.notifier;

import java.util.Locale;

/** What a sink is sent: how the alert becomes a request body and headers. */
public enum SinkFormat {
    /** The alert's JSON, signed with Standard Webhooks headers ({@code webhook-id}, {@code -timestamp}, {@code -signature}). */
    STANDARD,
    /** A Slack incoming-webhook message: {@code {"text": ...}} in Slack's mrkdwn. */
    SLACK,
    /** A Discord webhook message: {@code content}, one embed with the key, window and count, no mentions. */
    DISCORD;

    static SinkFormat parse(final String text, final String where) {
        if (text == null) {
            return STANDARD;
        }
        try {
            return valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": format must be standard, slack or discord, got '" + text + "'");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
