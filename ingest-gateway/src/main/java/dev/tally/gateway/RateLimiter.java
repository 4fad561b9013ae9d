package dev.tally.gateway;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;

import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * One source's token buckets (Bucket4j): one for the whole source and one per client address.
 * Per-address buckets are kept for the most recently seen {@value #MAX_ADDRESSES} addresses, so
 * memory stays bounded whatever addresses an attacker uses.
 */
final class RateLimiter {

    static final int MAX_ADDRESSES = 50_000;

    private final String source;
    private final Rate sourceRate;
    private final Bucket perSource;
    private final Rate perIp;
    private final Map<String, Bucket> byAddress = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(final Map.Entry<String, Bucket> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    RateLimiter(final String source, final GatewayConfig.RateLimit limits) {
        this.source = source;
        this.sourceRate = limits == null ? null : limits.perSource();
        this.perSource = sourceRate == null ? null : bucket(sourceRate);
        this.perIp = limits == null ? null : limits.perIp();
    }

    /** Takes a token from the client's and the source's buckets, or answers 429 with when to retry. */
    void acquire(final String clientIp) {
        if (perIp != null) {
            final Bucket bucket;
            synchronized (byAddress) {
                bucket = byAddress.computeIfAbsent(clientIp, ip -> bucket(perIp));
            }
            check(bucket.tryConsumeAndReturnRemaining(1), "from " + clientIp + " than its rate_limit.per_ip (" + perIp + ")");
        }
        if (perSource != null) {
            check(perSource.tryConsumeAndReturnRemaining(1), "than its rate_limit.per_source (" + sourceRate + ")");
        }
    }

    private void check(final ConsumptionProbe probe, final String which) {
        if (!probe.isConsumed()) {
            final Duration wait = Duration.ofNanos(probe.getNanosToWaitForRefill());
            final Duration retryAfter = Duration.ofSeconds(Math.max(1, (wait.toMillis() + 999) / 1000));
            throw new ProblemException(Problem.of(429, "rate-limited", "Too many requests",
                    "Source '" + source + "' receives more deliveries " + which + " allows. "
                            + "Retry after " + retryAfter.toSeconds() + " s."), retryAfter, null);
        }
    }

    private static Bucket bucket(final Rate rate) {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(rate.count()).refillGreedy(rate.count(), rate.period()))
                .build();
    }
}
