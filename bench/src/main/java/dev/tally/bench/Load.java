package dev.tally.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * HTTP load: open loop at a fixed rate (coordinated-omission safe: request {@code i} is due at
 * {@code start + i / rate} and its latency counts from then, however late it was actually sent),
 * and closed loop (a fixed number of requests in flight) for the most a server answers per second.
 * Every loop is bounded by a count and a time.
 */
final class Load {

    /** One loop's outcome; latencies in microseconds. */
    record Result(String label, double offeredPerSec, long planned, long sent, long ok, long failed,
                  double seconds, Histogram latencyMicros) {

        double okPerSec() {
            return seconds <= 0 ? 0 : ok / seconds;
        }

        double millis(final double percentile) {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
        }

        Map<String, Object> toMap() {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("label", label);
            if (offeredPerSec > 0) {
                m.put("offered_per_s", offeredPerSec);
            }
            m.put("planned", planned);
            m.put("sent", sent);
            m.put("ok", ok);
            m.put("failed", failed);
            m.put("seconds", Report.round(seconds));
            m.put("ok_per_s", Report.round(okPerSec()));
            m.put("p50_ms", Report.round(millis(50)));
            m.put("p99_ms", Report.round(millis(99)));
            m.put("p999_ms", Report.round(millis(99.9)));
            m.put("max_ms", Report.round(latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMaxValue() / 1000.0));
            return m;
        }
    }

    private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(2);

    private final HttpClient client;
    private final Duration requestTimeout;

    Load(final HttpClient client, final Duration requestTimeout) {
        this.client = client;
        this.requestTimeout = requestTimeout;
    }

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * Sends {@code rate * duration} requests at fixed intended times. At most {@code maxInFlight}
     * are outstanding; a request that must wait for a slot still counts its latency from its
     * intended time. Sending stops at {@code duration * 2} even if requests are left.
     */
    Result openLoop(final String label, final double rate, final Duration duration, final int maxInFlight,
                    final int okStatus, final LongFunction<HttpRequest> request) throws InterruptedException {
        return openLoop(label, rate, duration, maxInFlight, okStatus, request, i -> { });
    }

    /** As above; {@code acknowledged} is told the index of every request answered {@code okStatus}. */
    Result openLoop(final String label, final double rate, final Duration duration, final int maxInFlight,
                    final int okStatus, final LongFunction<HttpRequest> request, final LongConsumer acknowledged)
            throws InterruptedException {
        final long planned = Math.max(1, (long) (rate * duration.toMillis() / 1000.0));
        final double periodNanos = 1e9 / rate;
        final Recorder recorder = new Recorder(MAX_MICROS, 3);
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong lastDone = new AtomicLong();
        final Semaphore slots = new Semaphore(maxInFlight);
        final long start = System.nanoTime();
        final long stopSending = start + duration.toNanos() * 2;
        final Progress progress = new Progress(label, planned);
        long sent = 0;
        for (long i = 0; i < planned; i++) {
            final long intended = start + (long) (i * periodNanos);
            long now;
            while ((now = System.nanoTime()) < intended) {
                LockSupport.parkNanos(Math.min(intended - now, 1_000_000));
            }
            if (now > stopSending || !slots.tryAcquire(Math.max(0, stopSending - now), TimeUnit.NANOSECONDS)) {
                break;
            }
            sent++;
            final long index = i;
            final HttpRequest req = request.apply(i);
            client.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                final long done = System.nanoTime();
                if (error == null && response.statusCode() == okStatus) {
                    recorder.recordValue(Math.min(MAX_MICROS, (done - intended) / 1000));
                    ok.incrementAndGet();
                    acknowledged.accept(index);
                } else {
                    failed.incrementAndGet();
                }
                lastDone.accumulateAndGet(done, Math::max);
                slots.release();
            });
            progress.tick(sent, ok.get(), failed.get());
        }
        // Let what was sent finish: bounded by the request timeout.
        slots.tryAcquire(maxInFlight, requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        final double seconds = (Math.max(lastDone.get(), start) - start) / 1e9;
        return new Result(label, rate, planned, sent, ok.get(), failed.get(), seconds, recorder.getIntervalHistogram());
    }

    /** Keeps {@code concurrency} requests in flight for {@code duration}, at most {@code maxRequests} in all. */
    Result closedLoop(final String label, final int concurrency, final Duration duration, final long maxRequests,
                      final int okStatus, final LongFunction<HttpRequest> request) throws InterruptedException {
        final Recorder recorder = new Recorder(MAX_MICROS, 3);
        final AtomicLong issued = new AtomicLong();
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final Semaphore finished = new Semaphore(0);
        final long start = System.nanoTime();
        final long deadline = start + duration.toNanos();
        final Progress progress = new Progress(label, maxRequests);
        final Runnable[] next = new Runnable[1];
        next[0] = () -> {
            final long i = issued.getAndIncrement();
            if (i >= maxRequests || System.nanoTime() >= deadline) {
                finished.release();
                return;
            }
            final long sentAt = System.nanoTime();
            client.sendAsync(request.apply(i), HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
                if (error == null && response.statusCode() == okStatus) {
                    recorder.recordValue(Math.min(MAX_MICROS, (System.nanoTime() - sentAt) / 1000));
                    ok.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                }
                progress.tick(i + 1, ok.get(), failed.get());
                next[0].run();
            });
        };
        for (int c = 0; c < concurrency; c++) {
            next[0].run();
        }
        finished.tryAcquire(concurrency, duration.toMillis() + requestTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        final double seconds = (System.nanoTime() - start) / 1e9;
        final long sent = Math.min(issued.get(), maxRequests);
        return new Result(label, 0, maxRequests, sent, ok.get(), failed.get(), seconds, recorder.getIntervalHistogram());
    }

    /** A progress line every 5 s on stderr, so a long run shows it is alive. */
    static final class Progress {
        private final String label;
        private final long planned;
        private final long start = System.nanoTime();
        private volatile long nextReport = start + TimeUnit.SECONDS.toNanos(5);

        Progress(final String label, final long planned) {
            this.label = label;
            this.planned = planned;
        }

        void tick(final long done, final long ok, final long failed) {
            final long now = System.nanoTime();
            if (now >= nextReport) {
                nextReport = now + TimeUnit.SECONDS.toNanos(5);
                System.err.printf("  [%s] %ds: %d/%d sent, %d ok, %d failed%n", label,
                        TimeUnit.NANOSECONDS.toSeconds(now - start), done, planned, ok, failed);
            }
        }
    }
}
