package dev.tally.gateway;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.ProblemException;

/**
 * A scheme whose sender posts form-encoded bodies, by itself or next to JSON: Slack (slash commands,
 * and interactivity's {@code payload=}), GitHub's form content type ({@code payload=}), Mailgun's
 * form posts, Twilio. A JSON delivery goes to {@code json}; a form one is read as an object of its
 * fields. When it has a {@code payload} field and {@code payload} is set, that field's JSON is the
 * event; otherwise the fields are, read by {@code fields}. The signature was checked on the raw bytes
 * before this runs.
 *
 * @param json     JSON deliveries; null when the sender posts only forms
 * @param fields   a form of plain fields; null when such a form is not an event of this sender
 * @param payload  the JSON in a {@code payload} field; null when the sender sends none
 * @param withheld fields kept out of the payload: credentials the sender includes (Slack's
 *                 verification {@code token}, its {@code response_url})
 */
record FormMapper(EventMapper json, FieldMapper fields, FieldMapper payload, List<String> withheld) implements EventMapper {

    FormMapper {
        withheld = List.copyOf(withheld);
    }

    @Override
    public Outcome map(final String source, final Delivery delivery) {
        if (!FormBody.isForm(delivery)) {
            if (json == null) {
                throw ProblemException.badRequest("This sender posts " + FormBody.MEDIA_TYPE + " bodies; the Content-Type says otherwise.");
            }
            return json.map(source, delivery);
        }
        final ObjectNode form = FormBody.object(delivery);
        if (payload != null && form.has("payload")) {
            final JsonNode event = FormBody.json(form, "payload");
            if (event instanceof ObjectNode object) {
                object.remove(withheld);
            }
            return new Outcome.Events(List.of(payload.envelope(source, delivery, event)));
        }
        if (fields == null) {
            throw ProblemException.badRequest("The form body has no 'payload' field holding the event's JSON.");
        }
        form.remove(withheld);
        return new Outcome.Events(List.of(fields.envelope(source, delivery, form)));
    }

    /** The sender's JSON delivery when it has one, else the form of plain fields. */
    @Override
    public Outbound compose(final Envelope event) {
        if (json != null) {
            return json.compose(event);
        }
        final Field.Draft draft = fields.draft(event);
        return new Outbound(draft.headers(), FormBody.encode(draft.body())).with(Map.of("Content-Type", FormBody.MEDIA_TYPE));
    }
}
