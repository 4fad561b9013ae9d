package dev.tally.processor;

import java.time.Duration;

import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.schemas.Topics;

/**
 * The watermark of one partition of {@link Topics#RAW}: the largest event time seen there minus the
 * reorder delay, following the wall clock while the partition is idle ({@link IdleClock}). Every
 * event is forwarded at once, unchanged; on each wall-clock tick where the watermark moved, a
 * progress mark follows ({@link #isProgressMark}: null key and value, timestamped with the
 * watermark), so that the reorder buffer releases and each counting stage's partition learns how
 * far this partition has got even when none of its events are for it.
 *
 * <p>Reads and forwards records keyed {@code source:event_id} with {@link ReceivedEvent} values. No
 * store: after a restart the watermark starts again from the events that arrive (or from the wall
 * clock once the partition is read to its end), and the stages downstream keep their own, which
 * never moves back.
 */
public final class WatermarkProcessor implements Processor<String, ReceivedEvent, String, ReceivedEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(WatermarkProcessor.class);

    private final Duration delay;
    private final Duration idleAdvance;
    private IdleClock clock;
    private final InputBacklog backlog;
    private ProcessorContext<String, ReceivedEvent> context;
    private long lastMark;

    WatermarkProcessor(final Duration delay, final Duration idleAdvance, final InputBacklog backlog) {
        this.delay = delay;
        this.idleAdvance = idleAdvance;
        this.backlog = backlog;
    }

    /** Whether a record this step forwards is a progress mark rather than an event. */
    static boolean isProgressMark(final Record<?, ?> record) {
        return record.value() == null;
    }

    @Override
    public void init(final ProcessorContext<String, ReceivedEvent> context) {
        // Anew also when Kafka Streams initialises this instance again to revive a task after an aborted transaction:
        // the events it had seen since the last commit are processed again.
        this.clock = new IdleClock(idleAdvance);
        this.lastMark = Long.MIN_VALUE;
        this.context = context;
        context.schedule(IdleClock.TICK, PunctuationType.WALL_CLOCK_TIME, wallNow -> {
            final int partition = context.taskId().partition();
            final long before = clock.time();
            if (clock.tick(wallNow, backlog.caughtUp(Topics.RAW.name(), partition)) && LOG.isDebugEnabled()) {
                LOG.debug("{} partition {} is read to the end and no event came for a while: its time follows the wall clock{}",
                        Topics.RAW.name(), partition, before == Long.MIN_VALUE ? ", from its first tick" : " by " + (clock.time() - before) + " ms");
            }
            markProgress();
        });
    }

    @Override
    public void process(final Record<String, ReceivedEvent> record) {
        clock.observe(record.timestamp(), context.currentSystemTimeMs());
        context.forward(record);
    }

    /** Forwards a progress mark when the watermark moved since the last one: at most one per tick. */
    private void markProgress() {
        if (clock.time() == Long.MIN_VALUE || watermark() <= lastMark) {
            return;
        }
        lastMark = watermark();
        context.forward(new Record<>(null, null, lastMark));
    }

    private long watermark() {
        return clock.time() - delay.toMillis();
    }
}
