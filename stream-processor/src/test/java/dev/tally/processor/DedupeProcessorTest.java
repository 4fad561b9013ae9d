package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;

import dev.tally.schemas.Envelope;
import dev.tally.schemas.Json;

class DedupeProcessorTest {

    private static final Instant T0 = Instant.parse("2026-12-08T10:00:00Z");
    private static final Duration HORIZON = Duration.ofHours(24);

    @Test
    void shouldDropRetriesOfIdsThatWereStoredBeforeTheTaskStarted() {
        // The store as a task finds it when it starts: restored from its changelog, with ids this processor never saw.
        final MockProcessorContext<String, ReceivedEvent> context = new MockProcessorContext<>();
        final WindowStore<String, Long> store = StoreKind.MEMORY
                .batchLoggedWindow(StoreNames.DEDUPE, HORIZON, HORIZON, Serdes.String(), Serdes.Long()).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        final int stored = 5_000;
        for (int i = 0; i < stored; i++) {
            final long receivedAt = T0.toEpochMilli() + i;
            store.put("github:evt-" + i, receivedAt, receivedAt);
        }

        final DedupeProcessor dedupe = new DedupeProcessor(source -> HORIZON, HORIZON);
        dedupe.init(context);
        for (int i = 0; i < stored; i++) {
            dedupe.process(delivery("evt-" + i, T0.plus(Duration.ofHours(1))));  // every one retried an hour later
        }
        dedupe.process(delivery("evt-new", T0.plus(Duration.ofHours(1))));

        assertThat(context.forwarded().stream().map(f -> String.valueOf(f.record().key())).toList()).containsExactly("github:evt-new");
    }

    private static Record<String, ReceivedEvent> delivery(final String id, final Instant receivedAt) {
        final Envelope envelope = new Envelope("github", id, "push", T0, receivedAt, null, Json.MAPPER.createObjectNode(), "1");
        return new Record<>(envelope.key(), new ReceivedEvent(envelope, new byte[0]), T0.toEpochMilli());
    }
}
