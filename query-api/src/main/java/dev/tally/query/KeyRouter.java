package dev.tally.query;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.javalin.http.Context;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

import dev.tally.query.CountsService.Local;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * Answers a query about one key where its state is: here from the active store; else forwarded
 * once to the instance that holds the active store; while the store moves or restores, from a
 * standby copy here (saying how stale in {@value #STALENESS}); else an explicit 503 with
 * {@code Retry-After}. Never a silently empty answer.
 */
final class KeyRouter {

    static final String SERVED_BY = "Tally-Served-By";
    static final String REPLICA = "Tally-Replica";
    static final String STALENESS = "Tally-Staleness-Offsets";
    private static final Duration RETRY = Duration.ofSeconds(1);

    private final KafkaStreams streams;
    private final HostInfo self;
    private final Forwarder forwarder;

    KeyRouter(final KafkaStreams streams, final HostInfo self, final Forwarder forwarder) {
        this.streams = streams;
        this.self = self;
        this.forwarder = forwarder;
    }

    /** Where {@code key} of {@code store} lives; 503 while nobody knows. */
    KeyQueryMetadata locate(final String store, final String key) {
        final KeyQueryMetadata owner;
        try {
            owner = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        } catch (IllegalStateException | InvalidStateStoreException e) {   // not started, or shutting down
            throw unavailable("The processor is not running (" + e.getMessage() + ").");
        }
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE) || owner.activeHost() == null) {
            throw unavailable("The processor is starting or rebalancing; the owner of this key is not known yet.");
        }
        return owner;
    }

    /** Answers {@code ctx} with {@code read} of the key's partition, here or at its owner. */
    void answer(final Context ctx, final String store, final String key, final Function<Local, Object> read) {
        final KeyQueryMetadata owner = locate(store, key);
        final Optional<Object> here = readHere(owner, store, read);
        if (here.isPresent()) {
            headers(ctx, new Local(owner.partition(), false, 0));
            ctx.json(here.get());
            return;
        }
        if (!self.equals(owner.activeHost()) && !Forwarder.isForwarded(ctx)) {
            final Optional<HttpResponse<String>> answer = forwarder.get(owner.activeHost(), pathAndQuery(ctx),
                    ctx.header("Authorization"));
            if (answer.isPresent() && answer.get().statusCode() != 503) {
                Forwarder.relay(ctx, answer.get());
                return;
            }
        }
        final Optional<Local> standby = standby(owner, store, Params.maxStaleness(ctx));
        if (standby.isPresent()) {
            ctx.json(readStandby(ctx, standby.get(), read));
            return;
        }
        throw unavailable(self.equals(owner.activeHost())
                ? "The counts for this key are being restored here, and no copy within max_staleness is here. Retry shortly."
                : "The processor instance holding this key (" + owner.activeHost().host() + ":" + owner.activeHost().port()
                        + ") did not answer, and no standby copy within max_staleness is here. Retry shortly.");
    }

    /** The active store's answer if this instance holds it and it is queryable; sets the replica headers. */
    Optional<Object> readHere(final KeyQueryMetadata owner, final String store, final Function<Local, Object> read) {
        if (!self.equals(owner.activeHost())) {
            return Optional.empty();
        }
        try {
            return Optional.of(read.apply(new Local(owner.partition(), false, 0)));
        } catch (InvalidStateStoreException e) {
            return Optional.empty();   // restoring or migrating: a standby may answer
        }
    }

    /**
     * A standby (or restoring) copy of the key's partition here at most {@code maxLag} changelog
     * records behind; empty when there is none. A copy further behind could answer a count that is
     * far too low (a new standby starts empty), so it never answers.
     */
    Optional<Local> standby(final KeyQueryMetadata owner, final String store, final long maxLag) {
        final Map<Integer, LagInfo> lags = streams.allLocalStorePartitionLags().get(store);
        final LagInfo lag = lags == null ? null : lags.get(owner.partition());
        if (lag == null || lag.offsetLag() > maxLag) {
            return Optional.empty();
        }
        return Optional.of(new Local(owner.partition(), true, lag.offsetLag()));
    }

    Object readStandby(final Context ctx, final Local at, final Function<Local, Object> read) {
        try {
            final Object body = read.apply(at);
            headers(ctx, at);
            return body;
        } catch (InvalidStateStoreException e) {
            throw unavailable("The counts for this key are moving between processor instances. Retry shortly.");
        }
    }

    /** Says who answered and how stale: {@value #STALENESS} is 0 for the active store. */
    void headers(final Context ctx, final Local at) {
        ctx.header(SERVED_BY, self.host() + ":" + self.port());
        ctx.header(REPLICA, at.standby() ? "standby" : "active");
        ctx.header(STALENESS, String.valueOf(at.stalenessOffsets()));
    }

    static String pathAndQuery(final Context ctx) {
        return ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
    }

    static ProblemException unavailable(final String detail) {
        return new ProblemException(Problem.of(503, "store-unavailable", "Counts temporarily unavailable", detail), RETRY, null);
    }
}
