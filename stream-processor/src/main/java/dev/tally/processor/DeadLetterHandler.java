package dev.tally.processor;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.schemas.Topics;

/**
 * What happens to an output record the broker refuses: it goes to {@link Topics#DEAD_LETTER} with
 * error headers and processing resumes; this handler never throws. (Kafka's default one fails the
 * stream thread, and throws itself building its dead-letter record when the failed record has no
 * input context, timestamp -1.)
 *
 * <p>At least once, the dead-letter record is written at once and the refused one is skipped.
 * Under {@code exactly_once_v2} nothing written in the refused record's transaction can commit: the
 * refusal is remembered in {@link RefusedWrites}, Kafka Streams aborts and processes the task's
 * records again, and {@link DivertingProducer} writes the dead-letter record in place of the
 * refused one. A retriable error (a timeout, a leader moving) is not the record's fault: the task
 * is processed again from the last commit and the record sent again. Errors Kafka Streams handles
 * itself (fenced producer, fatal client errors) never reach here.
 */
public final class DeadLetterHandler implements ProductionExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

    private RefusedWrites refused = new RefusedWrites();
    private boolean exactlyOnce = true;

    @Override
    public void configure(final Map<String, ?> configs) {
        if (configs.get(RefusedWrites.CONFIG) instanceof RefusedWrites shared) {
            refused = shared;
        }
        exactlyOnce = !StreamsConfig.AT_LEAST_ONCE.equals(configs.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }

    @Override
    public Response handleError(final ErrorHandlerContext context, final ProducerRecord<byte[], byte[]> record, final Exception exception) {
        if (Topics.DEAD_LETTER.name().equals(record.topic())) {
            LOG.error("a dead-letter record was refused too; it is lost (timestamp {})", record.timestamp(), exception);
            return Response.resume();
        }
        if (exception instanceof TransactionAbortedException) {
            // Not refused: sent into a transaction that a refusal (or a failure) had already doomed. The
            // transaction is aborted and the task processed again; taking it for refused would divert it then.
            LOG.debug("a record for {} was sent into an aborted transaction; it is sent again when the task is processed again",
                    record.topic());
            return Response.resume();
        }
        if (exception instanceof RetriableException) {
            // Not the record's fault (the broker is slow or moving): sent again, never dead-lettered.
            LOG.warn("a record for {} could not be written yet ({}); processing again from the last commit", record.topic(),
                    exception.toString());
            return Response.retry();
        }
        refused.refused(record, exception);
        LOG.atError().addKeyValue("topic", record.topic()).addKeyValue("timestamp", record.timestamp())
                .log("the broker refused a record for {}: {}; it goes to {}{}", record.topic(), exception.toString(),
                        Topics.DEAD_LETTER.name(), exactlyOnce ? " when the aborted transaction is processed again" : "");
        if (exactlyOnce) {
            return Response.resume();
        }
        return Response.resume(List.of(RefusedWrites.deadLetter(record, exception, context.topic(), context.partition(),
                context.offset(), System.currentTimeMillis())));
    }

    @Override
    public Response handleSerializationError(final ErrorHandlerContext context, final ProducerRecord record, final Exception exception,
                                             final SerializationExceptionOrigin origin) {
        // Tally's serializers write JSON of its own records: a failure is a bug, not bad data.
        LOG.error("cannot serialise the {} of a record for {}", origin, record.topic(), exception);
        return Response.fail();
    }
}
