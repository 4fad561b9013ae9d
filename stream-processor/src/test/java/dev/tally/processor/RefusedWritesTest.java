package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

import dev.tally.schemas.Topics;

/** A refused output record is dead-lettered, never thrown on: at once at least once, in place of the retry under exactly-once. */
class RefusedWritesTest {

    private static final ProducerRecord<byte[], byte[]> REFUSED = new ProducerRecord<>(Topics.ORDERED.name(), null, 1_000L,
            "src:e1".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8));
    private static final InvalidTimestampException CAUSE = new InvalidTimestampException("Timestamp 1000 is out of range");

    private final RefusedWrites refused = new RefusedWrites();

    @Test
    void shouldDeadLetterARefusedRecordAtOnceAtLeastOnceEvenWithoutAnInputTimestamp() {
        final DeadLetterHandler handler = handler(StreamsConfig.AT_LEAST_ONCE);
        final ProductionExceptionHandler.Response response = handler.handleError(NO_INPUT, REFUSED, CAUSE);

        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(dead -> {
            assertThat(dead.topic()).isEqualTo(Topics.DEAD_LETTER.name());
            assertThat(dead.key()).isEqualTo(REFUSED.key());
            assertThat(dead.value()).isEqualTo(REFUSED.value());
            assertThat(dead.timestamp()).as("a time the broker accepts").isGreaterThan(REFUSED.timestamp());
            assertThat(header(dead, "__streams.errors.exception")).isEqualTo(InvalidTimestampException.class.getName());
            assertThat(header(dead, RefusedWrites.HEADER_REFUSED_TOPIC)).isEqualTo(Topics.ORDERED.name());
        });
    }

    @Test
    void shouldDivertTheRefusedRecordWhenExactlyOnceProcessesItAgain() {
        final DeadLetterHandler handler = handler(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(handler.handleError(NO_INPUT, REFUSED, CAUSE).deadLetterQueueRecords())
                .as("nothing of the doomed transaction commits").isEmpty();

        final MockProducer<byte[], byte[]> kafka = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        final DivertingProducer producer = new DivertingProducer(kafka, refused);
        producer.send(REFUSED, null);
        producer.send(new ProducerRecord<>(Topics.ORDERED.name(), null, 2_000L, REFUSED.key(), REFUSED.value()), null);

        assertThat(kafka.history()).extracting(ProducerRecord::topic).containsExactly(Topics.DEAD_LETTER.name(), Topics.ORDERED.name());
        assertThat(refused.refusals()).isEqualTo(1);
        assertThat(refused.diverted()).isEqualTo(1);
    }

    @Test
    void shouldSendAgainWhatTheBrokerCouldNotTakeYetInsteadOfDeadLetteringIt() {
        final DeadLetterHandler handler = handler(StreamsConfig.EXACTLY_ONCE_V2);
        final ProductionExceptionHandler.Response response = handler.handleError(NO_INPUT, REFUSED,
                new TimeoutException("Expiring 1 record(s)"));

        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.RETRY);
        assertThat(refused.refusals()).isZero();
    }

    private DeadLetterHandler handler(final String guarantee) {
        final DeadLetterHandler handler = new DeadLetterHandler();
        handler.configure(Map.of(RefusedWrites.CONFIG, refused, StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee));
        return handler;
    }

    private static String header(final ProducerRecord<byte[], byte[]> record, final String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    /** The context of a record written outside any input record (a punctuation, a flush at commit): no topic, timestamp -1. */
    private static final ErrorHandlerContext NO_INPUT = new ErrorHandlerContext() {
        @Override
        public String topic() {
            return null;
        }

        @Override
        public int partition() {
            return -1;
        }

        @Override
        public long offset() {
            return -1;
        }

        @Override
        public org.apache.kafka.common.header.Headers headers() {
            return new RecordHeaders();
        }

        @Override
        public String processorNodeId() {
            return "ordered-out";
        }

        @Override
        public TaskId taskId() {
            return new TaskId(0, 0);
        }

        @Override
        public long timestamp() {
            return -1;
        }

        @Override
        public byte[] sourceRawKey() {
            return null;
        }

        @Override
        public byte[] sourceRawValue() {
            return null;
        }
    };
}
