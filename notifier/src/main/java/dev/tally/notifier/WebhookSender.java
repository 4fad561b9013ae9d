package dev.tally.notifier;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes one request to one sink: POST the body (signed for {@code standard}), follow no redirect,
 * read at most {@value #BODY_LIMIT} bytes of the answer, give up after the sink's timeout.
 */
final class WebhookSender implements Transport {

    static final int BODY_LIMIT = 1024;
    private static final String USER_AGENT = "Tally-Notifier/0.1";

    private final Sink sink;
    private final StandardWebhooksSigner signer;
    private final Clock clock;
    private final ExecutorService executor;
    private final HttpClient http;

    WebhookSender(final Sink sink, final Clock clock) {
        this.sink = sink;
        this.signer = sink.secret() == null ? null : new StandardWebhooksSigner(sink.secret());
        this.clock = clock;
        this.executor = Executors.newCachedThreadPool(runnable -> {
            final Thread thread = new Thread(runnable, "tally-notify-http-" + sink.name());
            thread.setDaemon(true);
            return thread;
        });
        this.http = HttpClient.newBuilder()
                .executor(executor)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(sink.timeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public CompletableFuture<Answer> send(final String webhookId, final byte[] body) {
        final HttpRequest.Builder request = HttpRequest.newBuilder(sink.url())
                .timeout(sink.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", USER_AGENT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signer != null) {
            // A fresh timestamp each attempt: receivers reject signatures older than their tolerance.
            final long timestamp = clock.instant().getEpochSecond();
            request.header(StandardWebhooksSigner.ID_HEADER, webhookId)
                    .header(StandardWebhooksSigner.TIMESTAMP_HEADER, String.valueOf(timestamp))
                    .header(StandardWebhooksSigner.SIGNATURE_HEADER, signer.sign(webhookId, timestamp, body));
        }
        final CompletableFuture<Answer> answer;
        try {
            answer = http.sendAsync(request.build(), info -> new LimitedBody(BODY_LIMIT))
                    .thenApply(response -> new Answer(response.statusCode(),
                            RetryAfter.parse(response.headers().firstValue("Retry-After").orElse(null), clock.instant()),
                            describe(response)));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new Answer(-1, null, error(e)));
        }
        // The request timeout covers the wait for the headers; this one the body too.
        return answer.orTimeout(sink.timeout().toMillis() * 2, TimeUnit.MILLISECONDS)
                .exceptionally(e -> new Answer(-1, null, error(e)));
    }

    private static String describe(final HttpResponse<byte[]> response) {
        final String body = new String(response.body(), StandardCharsets.UTF_8).strip();
        final String firstLine = body.lines().findFirst().orElse("");
        final String shown = firstLine.length() > 200 ? firstLine.substring(0, 200) + "…" : firstLine;
        final String redirect = response.statusCode() / 100 == 3 ? " (redirects are not followed)" : "";
        return "HTTP " + response.statusCode() + redirect + (shown.isEmpty() ? "" : ": " + shown);
    }

    /** The error without its message when the message could quote the URL (which may hold a token). */
    private static String error(final Throwable failure) {
        final Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (e instanceof HttpTimeoutException || e instanceof TimeoutException) {
            return "no answer within the sink's timeout";
        }
        final String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.contains("://") ? "" : ": " + message);
    }

    @Override
    public void close() {
        // Java 17's HttpClient has no close; its threads are this executor's, and its selector ends with it.
        executor.shutdownNow();
    }

    /** Collects at most {@code limit} bytes of a response body, then stops reading it. */
    private static final class LimitedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int limit;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        LimitedBody(final int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(final Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(final List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                final int take = Math.min(buffer.remaining(), limit - out.size());
                final byte[] bytes = new byte[take];
                buffer.get(bytes);
                out.write(bytes, 0, take);
                if (out.size() >= limit) {
                    subscription.cancel();
                    result.complete(out.toByteArray());
                    return;
                }
            }
            subscription.request(1);
        }

        @Override
        public void onError(final Throwable e) {
            result.completeExceptionally(e);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }
}
