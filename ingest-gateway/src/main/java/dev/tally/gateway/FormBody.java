package dev.tally.gateway;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.schemas.Json;
import dev.tally.schemas.ProblemException;

/**
 * A form body, {@code application/x-www-form-urlencoded} or (Mailgun) {@code multipart/form-data},
 * read only after its signature was checked on the raw bytes: its fields in the order sent, and as a
 * JSON object (a field's first value) so that the schemes' {@link Field}s read it with the same
 * JSON pointers as a JSON body.
 */
final class FormBody {

    static final String MEDIA_TYPE = "application/x-www-form-urlencoded";

    private FormBody() {
    }

    /** Whether the delivery says its body is a form, of either type (a delivery without Content-Type is JSON). */
    static boolean isForm(final Delivery delivery) {
        final String type = mediaType(delivery);
        return MEDIA_TYPE.equals(type) || MultipartBody.MEDIA_TYPE.equals(type);
    }

    /** The fields of a form delivery of either type, in the order sent. */
    static List<Map.Entry<String, String>> fields(final Delivery delivery) {
        return MultipartBody.MEDIA_TYPE.equals(mediaType(delivery))
                ? MultipartBody.fields(delivery.header("Content-Type"), delivery.body()) : fields(delivery.body());
    }

    private static String mediaType(final Delivery delivery) {
        final String type = delivery.header("Content-Type");
        if (type == null) {
            return null;
        }
        final int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    /** The fields of an urlencoded body in the order sent, names and values decoded ({@code +} is a space); 400 for a bad escape. */
    static List<Map.Entry<String, String>> fields(final byte[] body) {
        final String text = new String(body, StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            return List.of();
        }
        final List<Map.Entry<String, String>> fields = new ArrayList<>();
        for (String pair : text.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            final int eq = pair.indexOf('=');
            try {
                fields.add(Map.entry(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1))));
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("The form body is not valid application/x-www-form-urlencoded: " + e.getMessage());
            }
        }
        return Collections.unmodifiableList(fields);
    }

    /** The fields as a JSON object of strings; a repeated name keeps its first value. */
    static ObjectNode object(final Delivery delivery) {
        final ObjectNode object = Json.MAPPER.createObjectNode();
        for (Map.Entry<String, String> field : fields(delivery)) {
            if (!object.has(field.getKey())) {
                object.put(field.getKey(), field.getValue());
            }
        }
        return object;
    }

    /** The text of one field that holds JSON (Slack's and GitHub's {@code payload=}), as a JSON object; 400 otherwise. */
    static JsonNode json(final ObjectNode form, final String name) {
        try {
            final JsonNode node = Json.MAPPER.readTree(form.get(name).asText());
            if (node == null || !node.isObject()) {
                throw ProblemException.badRequest("The form field '" + name + "' must hold a JSON object.");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ProblemException.badRequest("The form field '" + name + "' is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** A JSON object's scalar fields as a form body (objects and arrays as their JSON text): a composed delivery. */
    static byte[] encode(final ObjectNode object) {
        final StringBuilder body = new StringBuilder();
        object.fields().forEachRemaining(field -> {
            if (body.length() > 0) {
                body.append('&');
            }
            final JsonNode value = field.getValue();
            body.append(URLEncoder.encode(field.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(value.isValueNode() ? value.asText() : value.toString(), StandardCharsets.UTF_8));
        });
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String decode(final String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
