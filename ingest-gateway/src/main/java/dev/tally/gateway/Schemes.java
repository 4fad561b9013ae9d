package dev.tally.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import dev.tally.config.ConfigException;

/**
 * The signature schemes a source can use, one factory each: which verifier checks the scheme, how
 * its deliveries map to events, and its defaults (header names, where the event id is). The
 * mapping of each provider is read here top to bottom; {@code docs/senders.md} says the same for
 * people configuring senders.
 */
final class Schemes {

    /** Every scheme name, in the order the docs list them. */
    static final List<String> NAMES = List.of("hmac", "token", "github", "stripe", "slack", "shopify", "standard",
            "woocommerce", "mailgun", "sendgrid", "discord", "paypal", "jira", "twilio");

    private static final List<String> JSON = Policy.DEFAULT_CONTENT_TYPES;
    private static final List<String> JSON_OR_FORM = List.of("application/json", FormBody.MEDIA_TYPE);

    // Discord interaction types other than PING (1), by the names Discord's documentation gives them.
    private static final Map<String, String> DISCORD_TYPES = Map.of(
            "2", "application_command",
            "3", "message_component",
            "4", "application_command_autocomplete",
            "5", "modal_submit");

    private static final long DISCORD_EPOCH_MILLIS = 1_420_070_400_000L;

    /**
     * What a scheme contributes to a source.
     *
     * @param contentTypes the media types its sender posts: the source's default {@code content_types}
     * @param replies      how its commands are answered with a count ({@code reply}); null when it has none
     */
    record Parts(SignatureVerifier verifier, EventMapper mapper, List<String> contentTypes, ReplyFormat replies) {

        Parts(final SignatureVerifier verifier, final EventMapper mapper) {
            this(verifier, mapper, JSON, null);
        }
    }

    /** One source's settings with its secrets read: what every factory starts from. */
    record Setup(String where, GatewayConfig.SourceSettings settings, List<String> secrets, CanonicalEventParser canonical) {

        /** Fails naming any optional setting that this scheme does not use, so a misplaced one is not silently ignored. */
        Setup allowing(final String... options) {
            final Set<String> unused = new TreeSet<>(settings.options());
            unused.removeAll(List.of(options));
            if (!unused.isEmpty()) {
                throw new ConfigException(where + ": scheme '" + settings.scheme() + "' does not use " + String.join(", ", unused)
                        + (options.length == 0 ? "" : "; it uses " + String.join(", ", options)));
            }
            return this;
        }

        Duration tolerance() {
            return settings.tolerance() == null ? Freshness.DEFAULT_TOLERANCE : settings.tolerance();
        }

        List<byte[]> secretBytes() {
            return secrets.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        }

        /** Parses each secret as a key; a bad one fails the start naming its position, never its value. */
        <T> List<T> keys(final Function<String, T> parse, final String what) {
            final List<T> keys = new ArrayList<>();
            for (int i = 0; i < secrets.size(); i++) {
                try {
                    keys.add(parse.apply(secrets.get(i)));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(where + ".secrets[" + i + "]: not " + what + " (" + e.getMessage() + ")", e);
                }
            }
            return keys;
        }

        String or(final String value, final String fallback) {
            return value == null ? fallback : value;
        }
    }

    private Schemes() {
    }

    static Parts hmac(final Setup s) {
        final GatewayConfig.SourceSettings c = s.allowing("header", "prefix", "encoding", "timestamp_header", "tolerance", "fields").settings();
        if (c.tolerance() != null && c.timestampHeader() == null) {
            throw new ConfigException(s.where() + ": tolerance applies only with timestamp_header");
        }
        final HmacVerifier.Timestamp timestamp = c.timestampHeader() == null ? null
                : new HmacVerifier.Timestamp(c.timestampHeader(), "", ".", s.tolerance());
        final HmacVerifier verifier = new HmacVerifier(s.or(c.header(), "X-Signature"), s.or(c.prefix(), "sha256="),
                c.encoding() == null ? Encoding.HEX : c.encoding(), timestamp, s.secretBytes());
        if (c.fields() == null) {
            return new Parts(verifier, s.canonical());
        }
        if (c.fields().id() == null || c.fields().type() == null) {
            throw new ConfigException(s.where() + ".fields: give at least id and type, as JSON pointers such as /id");
        }
        return new Parts(verifier, pointers(c.fields(), Field.body(c.fields().id()), Field.body(c.fields().type())));
    }

    static Parts token(final Setup s) {
        final GatewayConfig.SourceSettings c = s.allowing("header", "prefix", "fields").settings();
        final GatewayConfig.FieldPointers f = c.fields() == null ? new GatewayConfig.FieldPointers(null, null, null, null) : c.fields();
        final Field id = Field.header("Idempotency-Key").or(f.id() == null ? Field.bodyDigest() : Field.body(f.id()).or(Field.bodyDigest()));
        final Field type = f.type() == null ? Field.constant("webhook") : Field.body(f.type());
        return new Parts(new TokenVerifier(s.or(c.header(), "Authorization"), s.or(c.prefix(), "Bearer "), s.secretBytes()),
                pointers(f, id, type));
    }

    private static FieldMapper pointers(final GatewayConfig.FieldPointers f, final Field id, final Field type) {
        return FieldMapper.of(id, type, f.time() == null ? null : Field.body(f.time()), f.entity() == null ? null : Field.body(f.entity()));
    }

    /** JSON, or the form content type: {@code payload=<the same JSON>}, signed as sent. */
    static Parts github(final Setup s) {
        final FieldMapper events = FieldMapper.of(
                Field.header("X-GitHub-Delivery"),
                Field.header("X-GitHub-Event").dotted(Field.body("/action")),
                null,
                Field.body("/repository/full_name").or(Field.body("/organization/login")));
        return new Parts(bodyHmac(s, "X-Hub-Signature-256", "sha256=", Encoding.HEX), new FormMapper(events, null, events, List.of()),
                JSON_OR_FORM, null);
    }

    static Parts jira(final Setup s) {
        return new Parts(bodyHmac(s, "X-Hub-Signature", "sha256=", Encoding.HEX), FieldMapper.of(
                Field.header("X-Atlassian-Webhook-Identifier"),
                Field.body("/webhookEvent"),
                Field.body("/timestamp"),
                Field.body("/issue/key")).inMillis());
    }

    static Parts shopify(final Setup s) {
        return new Parts(bodyHmac(s, "X-Shopify-Hmac-Sha256", "", Encoding.BASE64), FieldMapper.of(
                Field.header("X-Shopify-Event-Id").or(Field.header("X-Shopify-Webhook-Id")),
                Field.header("X-Shopify-Topic"),
                Field.header("X-Shopify-Triggered-At"),
                Field.header("X-Shopify-Shop-Domain")));
    }

    static Parts woocommerce(final Setup s) {
        return new Parts(bodyHmac(s, "X-WC-Webhook-Signature", "", Encoding.BASE64), FieldMapper.of(
                Field.header("X-WC-Webhook-Delivery-ID"),
                Field.header("X-WC-Webhook-Topic"),
                Field.body("/date_modified_gmt"),
                Field.header("X-WC-Webhook-Source")));
    }

    private static HmacVerifier bodyHmac(final Setup s, final String header, final String prefix, final Encoding encoding) {
        return new HmacVerifier(header, prefix, encoding, s.allowing().secretBytes());
    }

    static Parts stripe(final Setup s) {
        return new Parts(new StripeVerifier(s.allowing("tolerance").tolerance(), s.secretBytes()), FieldMapper.of(
                Field.body("/id"),
                Field.body("/type"),
                Field.body("/created"),
                Field.body("/data/object/id")));
    }

    /**
     * Events API JSON (with its url_verification handshake); slash commands, form fields whose event id
     * is the {@code trigger_id} (Slack sends none other); interactivity, a form whose {@code payload=}
     * is JSON. Slack signs the raw bytes, so the fields' order is part of what is signed.
     */
    static Parts slack(final Setup s) {
        final GatewayConfig.SourceSettings c = s.allowing("tolerance", "reply").settings();
        final HmacVerifier.Timestamp timestamp = new HmacVerifier.Timestamp("X-Slack-Request-Timestamp", "v0:", ":", s.tolerance());
        final HandshakeMapper events = new HandshakeMapper("/type", "url_verification",
                body -> Map.of("challenge", Field.body("/challenge").required(null, body)),
                FieldMapper.of(
                        Field.body("/event_id"),
                        Field.body("/event/type").or(Field.body("/type")),
                        Field.body("/event_time"),
                        Field.body("/team_id")));
        final FieldMapper commands = FieldMapper.of(Field.body("/trigger_id"), Field.constant(ReplyFormat.SLACK_COMMAND), null,
                Field.body("/team_id"));
        final FieldMapper interactions = FieldMapper.of(Field.body("/trigger_id").or(Field.body("/actions/0/action_ts")),
                Field.body("/type"), Field.body("/actions/0/action_ts"), Field.body("/team/id"));
        return new Parts(new HmacVerifier("X-Slack-Signature", "v0=", Encoding.HEX, timestamp, s.secretBytes()),
                new FormMapper(events, commands, interactions, List.of("token", "response_url", "response_urls")),
                JSON_OR_FORM, c.reply() == null ? null : ReplyFormat.SLACK);
    }

    static Parts standard(final Setup s) {
        return new Parts(StandardWebhooksVerifier.of(s.allowing("tolerance").tolerance(), s.secrets(), s.where() + ".secrets"),
                FieldMapper.of(
                        Field.header(StandardWebhooksVerifier.ID[0]).or(Field.header(StandardWebhooksVerifier.ID[1])),
                        Field.body("/type"),
                        Field.header(StandardWebhooksVerifier.TIMESTAMP[0]).or(Field.header(StandardWebhooksVerifier.TIMESTAMP[1])),
                        null));
    }

    /**
     * JSON webhooks; and the form posts (urlencoded or multipart) of Mailgun's legacy webhooks and routes, whose fields hold the
     * signature and the event, and whose event id is the post's single-use {@code token}.
     */
    static Parts mailgun(final Setup s) {
        final FieldMapper json = FieldMapper.of(
                Field.body("/event-data/id"),
                Field.body("/event-data/event"),
                Field.body("/event-data/timestamp"),
                Field.body("/event-data/recipient"));
        final FieldMapper form = FieldMapper.of(Field.body("/token"), Field.body("/event").or(Field.constant("inbound")),
                Field.body("/timestamp"), Field.body("/recipient"));
        return new Parts(new MailgunVerifier(s.allowing("tolerance").tolerance(), s.secretBytes()),
                new FormMapper(json, form, null, List.of()), List.of("application/json", FormBody.MEDIA_TYPE, MultipartBody.MEDIA_TYPE), null);
    }

    /**
     * Twilio's form posts (messages, calls, status callbacks). The event id is the
     * {@code I-Twilio-Idempotency-Token} header, else the message or call SID with its status; the
     * type {@code message} or {@code call}, with the status when there is one ({@code message.delivered}).
     */
    static Parts twilio(final Setup s) {
        final String url = s.allowing("public_url").settings().publicUrl();
        if (url == null || !url.matches("https?://.+")) {
            throw new ConfigException(s.where() + ": scheme twilio needs public_url, the exact URL configured in Twilio "
                    + "(such as https://tally.example.com/webhooks/" + s.where().substring(s.where().lastIndexOf('.') + 1) + ")");
        }
        final Field status = Field.body("/MessageStatus").or(Field.body("/SmsStatus")).or(Field.body("/CallStatus"));
        final Field sid = Field.body("/MessageSid").or(Field.body("/SmsSid")).or(Field.body("/CallSid"));
        final Field kind = new Field("the MessageSid or CallSid field", (delivery, body) ->
                body.has("MessageSid") || body.has("SmsSid") ? "message" : body.has("CallSid") ? "call" : null,
                (draft, value) -> {
                    if (value.equals("call") || value.equals("message")) {
                        draft.body().put(value.equals("call") ? "CallSid" : "MessageSid", "tally-" + value);
                    }
                });
        final FieldMapper fields = FieldMapper.of(Field.header("I-Twilio-Idempotency-Token").or(sid.dotted(status)),
                kind.dotted(status), null, Field.body("/AccountSid"));
        return new Parts(new TwilioVerifier(url, s.secretBytes()), new FormMapper(null, fields, null, List.of()),
                List.of(FormBody.MEDIA_TYPE), null);
    }

    static Parts sendgrid(final Setup s) {
        return new Parts(new PublicKeyVerifier("X-Twilio-Email-Event-Webhook-Signature", Encoding.BASE64,
                "X-Twilio-Email-Event-Webhook-Timestamp", "SHA256withECDSA", s.allowing("tolerance").tolerance(),
                s.keys(PublicKeys::ecBase64, "a base64 DER EC public key (SendGrid's verification key)")),
                new BatchMapper(FieldMapper.of(Field.body("/sg_event_id"), Field.body("/event"), Field.body("/timestamp"),
                        Field.body("/email"))));
    }

    /** Discord interactions: PING (type 1) is the handshake; other types are counted by their type name. */
    static Parts discord(final Setup s) {
        final boolean replies = s.allowing("tolerance", "reply").settings().reply() != null;
        final Field type = new Field("the body's /type", (delivery, body) -> {
            final String number = JsonBody.text(body.at("/type"));
            return number == null ? null : DISCORD_TYPES.getOrDefault(number, "interaction_" + number);
        }, (draft, name) -> draft.body().put("type", DISCORD_TYPES.entrySet().stream()
                .filter(t -> t.getValue().equals(name)).map(Map.Entry::getKey).findFirst()
                .orElse(name.replaceFirst("^interaction_", ""))));
        // Interaction ids are snowflakes: the creation time, in ms since 2015, is in their top 42 bits.
        final Field created = new Field("the creation time in the body's /id", (delivery, body) -> {
            final String id = JsonBody.text(body.at("/id"));
            return id == null || !id.matches("\\d{1,19}") ? null
                    : Instant.ofEpochMilli((Long.parseUnsignedLong(id) >>> 22) + DISCORD_EPOCH_MILLIS).toString();
        });
        return new Parts(new PublicKeyVerifier("X-Signature-Ed25519", Encoding.HEX, "X-Signature-Timestamp", "Ed25519",
                s.tolerance(),
                s.keys(hex -> PublicKeys.ed25519(Encoding.HEX.decode(hex.trim())), "a hex Ed25519 public key (Discord's application public key)")),
                new HandshakeMapper("/type", "1", body -> Map.of("type", 1),
                        FieldMapper.of(Field.body("/id"), type.dotted(Field.body("/data/name")), created, Field.body("/guild_id"))),
                JSON, replies ? ReplyFormat.DISCORD : null);
    }

    static Parts paypal(final Setup s) {
        final String webhookId = s.allowing("webhook_id", "tolerance").settings().webhookId();
        if (webhookId == null || webhookId.isBlank()) {
            throw new ConfigException(s.where() + ": scheme paypal needs webhook_id, the id PayPal shows for the webhook");
        }
        return new Parts(new PayPalVerifier(webhookId, s.tolerance(),
                s.keys(PublicKeys::certificate, "a PEM X.509 certificate (PayPal's signing certificate)")),
                FieldMapper.of(Field.body("/id"), Field.body("/event_type"), Field.body("/create_time"), Field.body("/resource/id")));
    }
}
