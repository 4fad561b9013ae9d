package dev.tally.gateway;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.tally.schemas.Envelope;

/**
 * How a chat platform wants a command answered in the HTTP response, within its 3 seconds: which
 * events are commands, and the body of the answer carrying a message.
 */
enum ReplyFormat {

    /** Slack slash commands: {@code {"response_type": "ephemeral" | "in_channel", "text": …}}. */
    SLACK {
        @Override
        boolean answers(final Envelope event) {
            return SLACK_COMMAND.equals(event.eventType());
        }

        @Override
        Map<String, Object> body(final String text, final boolean inChannel) {
            final Map<String, Object> body = new LinkedHashMap<>();
            body.put("response_type", inChannel ? "in_channel" : "ephemeral");
            body.put("text", text);
            return body;
        }
    },

    /**
     * Discord application commands (interaction type 2): an interaction response of type 4
     * (CHANNEL_MESSAGE_WITH_SOURCE), flag 64 (EPHEMERAL) unless in channel, mentioning no one.
     */
    DISCORD {
        @Override
        boolean answers(final Envelope event) {
            return event.eventType().equals("application_command") || event.eventType().startsWith("application_command.");
        }

        @Override
        Map<String, Object> body(final String text, final boolean inChannel) {
            final Map<String, Object> data = new LinkedHashMap<>();
            data.put("content", text);
            data.put("allowed_mentions", Map.of("parse", List.of()));
            if (!inChannel) {
                data.put("flags", 64);
            }
            final Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", 4);
            body.put("data", data);
            return body;
        }
    };

    /** The event type of a Slack slash command. */
    static final String SLACK_COMMAND = "slash_command";

    abstract boolean answers(Envelope event);

    abstract Map<String, Object> body(String text, boolean inChannel);
}
