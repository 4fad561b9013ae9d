package dev.tally.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import dev.tally.schemas.Json;
import dev.tally.schemas.ProblemException;

/** Reads a verified body as JSON, answering 400 with the parser's reason when it is not. */
final class JsonBody {

    private JsonBody() {
    }

    static JsonNode parse(final Delivery delivery) {
        try {
            final JsonNode body = Json.MAPPER.readTree(delivery.body());
            if (body == null) {
                throw ProblemException.badRequest("The body is empty; it must be JSON.");
            }
            return body;
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("The body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON text of {@code node} as UTF-8: a composed body. */
    static byte[] bytes(final JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    static JsonNode object(final Delivery delivery) {
        final JsonNode body = parse(delivery);
        if (!body.isObject()) {
            throw ProblemException.badRequest("The body must be a JSON object.");
        }
        return body;
    }

    /** A string or number as text (numbers in plain decimal); null when missing, null, blank or not a scalar. */
    static String text(final JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode() || node.isContainerNode()) {
            return null;
        }
        final String text = node.isNumber() ? node.decimalValue().toPlainString() : node.asText();
        return text.isBlank() ? null : text;
    }
}
