package dev.tally.notifier;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * A webhook receiver for the tests, as a user would write one with Javalin: it checks each request's
 * Standard Webhooks signature itself (following the spec, not through the notifier's signer) and records
 * what came. Routes, by behaviour:
 * <ul>
 *   <li>{@code POST /ok/{sink}}: 200</li>
 *   <li>{@code POST /flaky/{sink}}: 503 with {@code Retry-After: 1} until {@link #recoverAfter} has passed
 *       since its first request, then 200</li>
 *   <li>{@code POST /slow/{sink}}: 200 after 100 ms, so deliveries are in flight for a while</li>
 *   <li>{@code POST /silent/{sink}}: never answers (until the receiver stops)</li>
 * </ul>
 */
public final class WebhookReceiver implements AutoCloseable {

    /** One request as it arrived; {@code verified} is the receiver's own check of its signature. */
    public record Received(String path, String webhookId, String timestamp, String signature, byte[] body,
                           boolean verified, int answered, Instant at) {
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final String secret;
    private final Javalin http;
    private final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final ConcurrentHashMap<String, Instant> firstFlaky = new ConcurrentHashMap<>();
    private volatile Duration recoverAfter = Duration.ofSeconds(3);

    /** @param secret the {@code whsec_} secret the sender signs with */
    public WebhookReceiver(final String secret) {
        this.secret = secret;
        this.http = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.jetty.host = "127.0.0.1";
            c.jetty.port = 0;
            c.routes.post("/ok/{sink}", ctx -> record(ctx, 200));
            c.routes.post("/flaky/{sink}", this::flaky);
            c.routes.post("/slow/{sink}", this::slow);
            c.routes.post("/silent/{sink}", this::silent);
        }).start();
    }

    public String url(final String behaviour, final String sink) {
        return "http://127.0.0.1:" + http.port() + "/" + behaviour + "/" + sink;
    }

    public WebhookReceiver recoverAfter(final Duration after) {
        this.recoverAfter = after;
        return this;
    }

    public List<Received> received(final String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** The webhook ids answered 2xx on {@code path}. */
    public Set<String> deliveredIds(final String path) {
        return received.stream().filter(r -> r.path().equals(path) && r.answered() / 100 == 2)
                .map(Received::webhookId).collect(Collectors.toSet());
    }

    private void record(final Context ctx, final int status) {
        final byte[] body = ctx.bodyAsBytes();
        final String id = ctx.header("webhook-id");
        final String timestamp = ctx.header("webhook-timestamp");
        final String signature = ctx.header("webhook-signature");
        received.add(new Received(ctx.path(), id, timestamp, signature, body, verify(secret, id, timestamp, body, signature), status,
                Instant.now()));
        ctx.status(status);
    }

    private void flaky(final Context ctx) {
        final Instant first = firstFlaky.computeIfAbsent(ctx.path(), p -> Instant.now());
        if (Instant.now().isBefore(first.plus(recoverAfter))) {
            ctx.header("Retry-After", "1");
            record(ctx, 503);
        } else {
            record(ctx, 200);
        }
    }

    private void slow(final Context ctx) throws InterruptedException {
        closing.await(100, TimeUnit.MILLISECONDS);
        record(ctx, 200);
    }

    private void silent(final Context ctx) throws InterruptedException {
        received.add(new Received(ctx.path(), ctx.header("webhook-id"), null, null, ctx.bodyAsBytes(), false, -1, Instant.now()));
        closing.await(60, TimeUnit.SECONDS);
    }

    /**
     * The Standard Webhooks check (spec "Verifying webhooks"): base64-decode the secret after {@code whsec_},
     * HMAC-SHA256 over {@code id.timestamp.body}, compare in constant time with each space-separated
     * {@code v1,} signature, and refuse timestamps more than five minutes away.
     */
    public static boolean verify(final String secret, final String id, final String timestamp, final byte[] body,
                                 final String signatureHeader) {
        if (id == null || timestamp == null || signatureHeader == null) {
            return false;
        }
        try {
            if (Math.abs(Instant.now().getEpochSecond() - Long.parseLong(timestamp)) > 300) {
                return false;
            }
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
            final byte[] expected = mac.doFinal((id + "." + timestamp + "." + new String(body, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8));
            for (String candidate : signatureHeader.split(" ")) {
                if (candidate.startsWith("v1,")
                        && MessageDigest.isEqual(expected, Base64.getDecoder().decode(candidate.substring(3)))) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** Waits for {@code condition}, checking every 100 ms, at most {@code timeout}. */
    public static void await(final Duration timeout, final BooleanSupplier condition, final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what);
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() {
        closing.countDown();
        http.stop();
    }
}
