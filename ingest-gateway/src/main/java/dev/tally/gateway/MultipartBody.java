package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.tally.schemas.ProblemException;

/**
 * The text fields of a {@code multipart/form-data} body (RFC 7578), as Mailgun posts its legacy
 * webhooks and routes: each part's {@code name} and UTF-8 value, in order. File parts (a
 * {@code filename}, such as a routed message's attachments) are left out: they are not event data.
 * Read only after the signature was checked.
 */
final class MultipartBody {

    static final String MEDIA_TYPE = "multipart/form-data";
    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=\"?([^\";]+)\"?");
    private static final Pattern NAME = Pattern.compile("(?i)\\bname=\"([^\"]*)\"");
    private static final byte[] HEADERS_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private MultipartBody() {
    }

    static List<Map.Entry<String, String>> fields(final String contentType, final byte[] body) {
        final Matcher boundary = BOUNDARY.matcher(contentType);
        if (!boundary.find()) {
            throw ProblemException.badRequest("The multipart/form-data Content-Type has no boundary.");
        }
        final byte[] delimiter = ("--" + boundary.group(1)).getBytes(StandardCharsets.US_ASCII);
        final List<Map.Entry<String, String>> fields = new ArrayList<>();
        int at = indexOf(body, delimiter, 0);
        if (at < 0) {
            throw ProblemException.badRequest("The multipart body has no part delimited by its boundary.");
        }
        while (true) {
            final int start = at + delimiter.length;
            if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
                return fields;   // the closing delimiter
            }
            final int next = indexOf(body, delimiter, start);
            if (next < 0) {
                throw ProblemException.badRequest("The multipart body ends without its closing boundary.");
            }
            part(Arrays.copyOfRange(body, start, next), fields);
            at = next;
        }
    }

    /** One part between delimiters: CRLF, headers, a blank line, the value, CRLF. */
    private static void part(final byte[] part, final List<Map.Entry<String, String>> fields) {
        final int split = indexOf(part, HEADERS_END, 0);
        if (split < 0) {
            throw ProblemException.badRequest("A multipart part has no blank line after its headers.");
        }
        final String headers = new String(part, 0, split, StandardCharsets.UTF_8);
        String disposition = null;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
                disposition = line;
            }
        }
        final Matcher name = disposition == null ? null : NAME.matcher(disposition);
        if (name == null || !name.find()) {
            throw ProblemException.badRequest("A multipart part has no Content-Disposition name.");
        }
        if (disposition.toLowerCase(Locale.ROOT).contains("filename=")) {
            return;
        }
        int end = part.length;
        if (end - 2 >= split + HEADERS_END.length && part[end - 2] == '\r' && part[end - 1] == '\n') {
            end -= 2;
        }
        final int from = split + HEADERS_END.length;
        fields.add(Map.entry(name.group(1), new String(part, from, Math.max(0, end - from), StandardCharsets.UTF_8)));
    }

    private static int indexOf(final byte[] data, final byte[] target, final int from) {
        outer:
        for (int i = from; i <= data.length - target.length; i++) {
            for (int j = 0; j < target.length; j++) {
                if (data[i + j] != target[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
