package dev.tally.processor;

import java.time.Duration;

/**
 * A stage's notion of "now" in event time: the largest event time it has seen (its stream time),
 * which starts following the wall clock once no event has arrived for {@code idleAdvance} while its
 * input is known to be read to the end ({@link InputBacklog}). That is what lets buffers drain and
 * windows close when traffic stops; while events wait to be read (a replay of old data, a backlog, a
 * partition the consumer has not fetched yet) only their event times move it, however long the
 * thread is elsewhere.
 *
 * <p>A stage that has seen no event at all (an empty partition, or one restarted with nothing
 * buffered) follows the wall clock once its input has been seen read to the end and
 * {@code idleAdvance} has passed, so an empty partition does not hold the counters back. A partition
 * whose lag is not known yet is not taken for empty: in a replay on a busy machine the consumer
 * fetched one partition's first records 45 s after the others', and had its progress marks followed
 * the wall clock meanwhile, the counters would have closed the replay's windows under the events it
 * had still to read.
 *
 * <p>Idle, the time runs {@link #LAG} behind the wall-clock time elapsed since the last event, so
 * that a downstream stage never overtakes the events an upstream stage releases in the same
 * instant. For live traffic (event time close to the wall clock) a window's final record therefore
 * appears at most grace + reorder delay + 3 s after the window's end.
 */
final class IdleClock {

    /** How often the processors check the wall clock. */
    static final Duration TICK = Duration.ofMillis(500);
    /** How far an idle clock stays behind the elapsed wall-clock time: more than one tick. */
    static final long LAG = 1_000L;

    private final long idleAdvanceMs;
    private long time = Long.MIN_VALUE;
    private long observed = Long.MIN_VALUE;
    private long observedAtWall;
    private long caughtUpSinceWall = Long.MIN_VALUE;
    private boolean following;

    IdleClock(final Duration idleAdvance) {
        this.idleAdvanceMs = idleAdvance.toMillis();
    }

    /** An event with {@code eventTime} arrived at {@code wallNow}. */
    void observe(final long eventTime, final long wallNow) {
        following = false;
        time = Math.max(time, eventTime);
        observed = time;
        observedAtWall = wallNow;
    }

    /** Restores the time a stage had reached before a restart. */
    void restore(final long persisted, final long wallNow) {
        observe(persisted, wallNow);
    }

    /**
     * @param caughtUp whether the stage's input is known to be read to its end; when it is not (records
     *                 wait, or its lag is not known) no event for a while means a busy thread or a
     *                 partition not fetched yet, not an idle sender, and the time waits for the events
     * @return whether the time moved
     */
    boolean tick(final long wallNow, final boolean caughtUp) {
        if (!caughtUp) {
            // Each advance would stay (the time never moves back): in a replay on a busy machine they
            // added up to minutes ahead of the events still to read, and those went to events.late.
            // The silence counts from when the input is seen read to the end.
            caughtUpSinceWall = Long.MIN_VALUE;
            observedAtWall = wallNow;
            following = false;
            return false;
        }
        if (observed == Long.MIN_VALUE) {
            return followWallClockFromStart(wallNow);
        }
        final long idleFor = wallNow - observedAtWall;
        following = idleFor >= idleAdvanceMs;
        if (!following) {
            return false;
        }
        final long advanced = observed + idleFor - LAG;
        if (advanced <= time) {
            return false;
        }
        time = advanced;
        return true;
    }

    /** See the class comment: an empty partition must not hold the counters back. */
    private boolean followWallClockFromStart(final long wallNow) {
        if (caughtUpSinceWall == Long.MIN_VALUE) {
            caughtUpSinceWall = wallNow;
        }
        final long advanced = wallNow - LAG;
        following = wallNow - caughtUpSinceWall >= idleAdvanceMs;
        if (!following || advanced <= time) {
            return false;
        }
        time = advanced;
        return true;
    }

    long time() {
        return time;
    }

    /** Whether, at the last tick, the time was following the wall clock (input read to its end, idle for idleAdvance). */
    boolean followsWallClock() {
        return following;
    }

    /** The time when the last event arrived (at least the newest event time seen); {@code Long.MIN_VALUE} before any. */
    long newestEvent() {
        return observed;
    }

    /** The wall-clock instant at which the time reaches {@code target}, while it follows the wall clock. */
    long wallTimeWhen(final long target) {
        return observed == Long.MIN_VALUE ? target + LAG : target - observed + observedAtWall + LAG;
    }
}
