package dev.tally.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.zip.CRC32;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.tally.schemas.Json;

/** The senders' side of every scheme, written from each provider's documentation. */
final class Signers {

    static final String PAYPAL_WEBHOOK_ID = "WH-TALLY-TEST-1";
    static final String STANDARD_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";

    private Signers() {
    }

    /** GitHub, Jira, Shopify, WooCommerce, hmac: HMAC-SHA256 of the body in one header. */
    static Signer bodyHmac(final String header, final String prefix, final Encoding encoding) {
        return (key, at, body) -> new Signer.Signed(Map.of(header, prefix + encoding.encode(hmac(key, body))), body);
    }

    /** Slack ({@code v0:ts:body}) and hmac with a timestamp header ({@code ts.body}). */
    static Signer timestampedHmac(final String header, final String prefix, final String timestampHeader,
                                  final String before, final String after) {
        return (key, at, body) -> {
            final String ts = String.valueOf(at.getEpochSecond());
            return new Signer.Signed(Map.of(header, prefix + Encoding.HEX.encode(hmac(key, concat(before + ts + after, body))),
                    timestampHeader, ts), body);
        };
    }

    /** Stripe-Signature: t=…,v1=… (and a v0 that must be ignored). */
    static Signer stripe() {
        return (key, at, body) -> {
            final String t = String.valueOf(at.getEpochSecond());
            final String v1 = Encoding.HEX.encode(hmac(key, concat(t + ".", body)));
            return new Signer.Signed(Map.of("Stripe-Signature", "t=" + t + ",v1=" + v1 + ",v0=" + "00".repeat(32)), body);
        };
    }

    /** Standard Webhooks with a symmetric secret: configured as whsec_ + base64 of the secret bytes. */
    static Signer standardHmac() {
        return new Signer() {
            @Override
            public Signed sign(final String key, final Instant at, final byte[] body) {
                return standard(at, "v1," + Base64.getEncoder().encodeToString(
                        hmac(key, concat(STANDARD_ID + "." + at.getEpochSecond() + ".", body))), body);
            }

            @Override
            public String configured(final String key) {
                return "whsec_" + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
            }
        };
    }

    /** Standard Webhooks with Ed25519: configured as whpk_ + base64 of the raw public key. */
    static Signer standardEd25519() {
        final KeyRing ring = new KeyRing(() -> generate("Ed25519"));
        return new Signer() {
            @Override
            public Signed sign(final String key, final Instant at, final byte[] body) {
                return standard(at, "v1a," + Base64.getEncoder().encodeToString(Signers.sign("Ed25519", ring.pair(key).getPrivate(),
                        concat(STANDARD_ID + "." + at.getEpochSecond() + ".", body))), body);
            }

            @Override
            public String configured(final String key) {
                return "whpk_" + Base64.getEncoder().encodeToString(rawEd25519(ring.pair(key)));
            }
        };
    }

    private static Signer.Signed standard(final Instant at, final String signature, final byte[] body) {
        return new Signer.Signed(Map.of("webhook-id", STANDARD_ID, "webhook-timestamp", String.valueOf(at.getEpochSecond()),
                "webhook-signature", signature), body);
    }

    /** Mailgun: {"signature": {timestamp, token, signature}} added to the body; HMAC of timestamp + token. */
    static Signer mailgun() {
        return (key, at, body) -> {
            final String timestamp = String.valueOf(at.getEpochSecond());
            final String token = "c8bb3d4d6d4e4b7a9f0d0d2c3b5e7a9f1e2d3c4b5a697887";
            try {
                final ObjectNode root = (ObjectNode) Json.MAPPER.readTree(body);
                root.putObject("signature").put("timestamp", timestamp).put("token", token)
                        .put("signature", Encoding.HEX.encode(hmac(key, (timestamp + token).getBytes(StandardCharsets.UTF_8))));
                return new Signer.Signed(Map.of(), Json.MAPPER.writeValueAsBytes(root));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /** SendGrid: ECDSA P-256 over timestamp + body, base64 DER; configured as the base64 DER public key. */
    static Signer sendgrid() {
        return timestampedKey("EC", "SHA256withECDSA", "X-Twilio-Email-Event-Webhook-Signature", Encoding.BASE64,
                "X-Twilio-Email-Event-Webhook-Timestamp", pair -> Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
    }

    /** Discord: Ed25519 over timestamp + body, hex; configured as the hex raw public key. */
    static Signer discord() {
        return timestampedKey("Ed25519", "Ed25519", "X-Signature-Ed25519", Encoding.HEX, "X-Signature-Timestamp",
                pair -> HexFormat.of().formatHex(rawEd25519(pair)));
    }

    private static Signer timestampedKey(final String keyAlgorithm, final String algorithm, final String signatureHeader,
                                         final Encoding encoding, final String timestampHeader,
                                         final Function<KeyPair, String> configured) {
        final KeyRing ring = new KeyRing(() -> generate(keyAlgorithm));
        return new Signer() {
            @Override
            public Signed sign(final String key, final Instant at, final byte[] body) {
                final String ts = String.valueOf(at.getEpochSecond());
                return new Signed(Map.of(signatureHeader, encoding.encode(Signers.sign(algorithm, ring.pair(key).getPrivate(), concat(ts, body))),
                        timestampHeader, ts), body);
            }

            @Override
            public String configured(final String key) {
                return configured.apply(ring.pair(key));
            }
        };
    }

    /**
     * PayPal: SHA256withRSA over id|time|webhook_id|crc32(body). The current and previous keys are
     * the committed test certificates (src/test/resources/paypal); any other name gets a fresh key
     * that no configured certificate vouches for.
     */
    static Signer paypal() {
        final KeyStore store = paypalKeys();
        final KeyRing others = new KeyRing(() -> generate("RSA"));
        return new Signer() {
            @Override
            public Signed sign(final String key, final Instant at, final byte[] body) {
                final CRC32 crc = new CRC32();
                crc.update(body);
                final String id = "b2384410-f8d2-11e6-9ac2-5bd3e0e3d1e5";
                final String content = id + "|" + at + "|" + PAYPAL_WEBHOOK_ID + "|" + crc.getValue();
                final PrivateKey privateKey = alias(key) == null ? others.pair(key).getPrivate() : privateKey(store, alias(key));
                return new Signed(Map.of("PAYPAL-TRANSMISSION-ID", id, "PAYPAL-TRANSMISSION-TIME", at.toString(),
                        "PAYPAL-TRANSMISSION-SIG", Base64.getEncoder().encodeToString(
                                Signers.sign("SHA256withRSA", privateKey, content.getBytes(StandardCharsets.UTF_8))),
                        "PAYPAL-AUTH-ALGO", "SHA256withRSA",
                        "PAYPAL-CERT-URL", "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77"), body);
            }

            @Override
            public String configured(final String key) {
                return resource("/paypal/" + alias(key) + ".pem");
            }
        };
    }

    /**
     * Twilio: base64 HMAC-SHA1 of the URL followed by each POST parameter's name and value, sorted by
     * name; the body is a form.
     */
    static Signer twilio(final String url) {
        return (key, at, body) -> {
            final java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
            for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
                final String[] nv = pair.split("=", 2);
                sorted.put(java.net.URLDecoder.decode(nv[0], StandardCharsets.UTF_8),
                        nv.length < 2 ? "" : java.net.URLDecoder.decode(nv[1], StandardCharsets.UTF_8));
            }
            final StringBuilder content = new StringBuilder(url);
            sorted.forEach((name, value) -> content.append(name).append(value));
            try {
                final Mac mac = Mac.getInstance("HmacSHA1");
                mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
                return new Signer.Signed(Map.of("X-Twilio-Signature",
                        Base64.getEncoder().encodeToString(mac.doFinal(content.toString().getBytes(StandardCharsets.UTF_8)))), body);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    /** Mailgun's form posts: timestamp, token and signature (HMAC-SHA256 of timestamp + token) as form fields. */
    static Signer mailgunForm() {
        return (key, at, body) -> {
            final String timestamp = String.valueOf(at.getEpochSecond());
            final String token = "c8bb3d4d6d4e4b7a9f0d0d2c3b5e7a9f1e2d3c4b5a697887";
            final String signature = Encoding.HEX.encode(hmac(key, (timestamp + token).getBytes(StandardCharsets.UTF_8)));
            final String signed = new String(body, StandardCharsets.UTF_8) + "&timestamp=" + timestamp + "&token=" + token
                    + "&signature=" + signature;
            return new Signer.Signed(Map.of(), signed.getBytes(StandardCharsets.UTF_8));
        };
    }

    /**
     * Mailgun's multipart posts: the body given is the event's parts (each opened by {@code --boundary});
     * the signature's three parts and the closing delimiter are added.
     */
    static Signer mailgunMultipart(final String boundary) {
        return (key, at, body) -> {
            final String timestamp = String.valueOf(at.getEpochSecond());
            final String token = "c8bb3d4d6d4e4b7a9f0d0d2c3b5e7a9f1e2d3c4b5a697887";
            final String signature = Encoding.HEX.encode(hmac(key, (timestamp + token).getBytes(StandardCharsets.UTF_8)));
            final StringBuilder signed = new StringBuilder(new String(body, StandardCharsets.UTF_8));
            Map.of("timestamp", timestamp, "token", token, "signature", signature).forEach((name, value) -> signed.append("--")
                    .append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(name).append("\"\r\n\r\n")
                    .append(value).append("\r\n"));
            signed.append("--").append(boundary).append("--\r\n");
            return new Signer.Signed(Map.of(), signed.toString().getBytes(StandardCharsets.UTF_8));
        };
    }

    /** Token: Authorization: Bearer <token>. */
    static Signer token() {
        return (key, at, body) -> new Signer.Signed(Map.of("Authorization", "Bearer " + key), body);
    }

    static byte[] hmac(final String key, final byte[] content) {
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] concat(final String head, final byte[] body) {
        final byte[] start = head.getBytes(StandardCharsets.UTF_8);
        final byte[] all = Arrays.copyOf(start, start.length + body.length);
        System.arraycopy(body, 0, all, start.length, body.length);
        return all;
    }

    static String resource(final String name) {
        try (InputStream in = Signers.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] sign(final String algorithm, final PrivateKey key, final byte[] content) {
        try {
            final Signature signature = Signature.getInstance(algorithm);
            signature.initSign(key);
            signature.update(content);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair generate(final String algorithm) {
        try {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                generator.initialize(new ECGenParameterSpec("secp256r1"));
            } else if (algorithm.equals("RSA")) {
                generator.initialize(2048);
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The raw 32 bytes of an Ed25519 public key: the end of its X.509 encoding. */
    private static byte[] rawEd25519(final KeyPair pair) {
        final byte[] der = pair.getPublic().getEncoded();
        return Arrays.copyOfRange(der, der.length - 32, der.length);
    }

    private static String alias(final String key) {
        return key.equals(DeliveryScenario.SECRET) ? "current" : key.equals(DeliveryScenario.OLD_SECRET) ? "previous" : null;
    }

    private static KeyStore paypalKeys() {
        try (InputStream in = Signers.class.getResourceAsStream("/paypal/test-keys.p12")) {
            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, "tally-test".toCharArray());
            return store;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PrivateKey privateKey(final KeyStore store, final String alias) {
        try {
            return (PrivateKey) store.getKey(alias, "tally-test".toCharArray());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Key pairs by name, generated on first use. */
    private static final class KeyRing {
        private final Map<String, KeyPair> pairs = new HashMap<>();
        private final Supplier<KeyPair> generator;

        KeyRing(final Supplier<KeyPair> generator) {
            this.generator = generator;
        }

        KeyPair pair(final String name) {
            return pairs.computeIfAbsent(name, n -> generator.get());
        }
    }
}
