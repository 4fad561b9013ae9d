package dev.tally.schemas;

import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * An RFC 9457 problem details body ({@code application/problem+json}); schema
 * {@code schemas/problem.schema.json}.
 *
 * @param type     a URI naming the kind of problem
 * @param title    a short summary of the kind
 * @param status   the HTTP status
 * @param detail   what is wrong with this request and how to fix it
 * @param instance the request path
 */
public record Problem(String type, String title, int status, String detail, String instance) {

    public static final String CONTENT_TYPE = "application/problem+json";
    private static final String TYPE_BASE = "https://tally.dev/problems/";

    public static Problem of(final int status, final String slug, final String title, final String detail) {
        return new Problem(TYPE_BASE + slug, title, status, detail, null);
    }

    public Problem at(final String path) {
        return new Problem(type, title, status, detail, path);
    }

    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write problem " + type, e);
        }
    }
}
