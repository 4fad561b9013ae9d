package dev.tally.processor;

import java.time.Duration;

/**
 * A stage's notion of "now" in event time: the largest event time it has seen (its stream time),
 * which starts following the wall clock once no event has arrived for {@code idleAdvance} while none
 * is known to wait in its input ({@link InputBacklog}). That is
 * what lets buffers drain and windows close when traffic stops; while events keep arriving (a
 * replay of old data, say) only their event times move it.
 *
 * <p>A stage that has seen no event at all (an empty partition, or one restarted with nothing
 * buffered) follows the wall clock once its input has been read to the end ({@link InputBacklog})
 * and {@code idleAdvance} has passed, so an empty partition does not hold the counters back; in
 * the first seconds of a replay, when the consumer hands out one partition's records before the
 * next one's, a partition still waiting for its first records is not taken for empty. Should its
 * input never be seen read to the end, it follows the wall clock after {@link #EMPTY_FALLBACK}
 * times {@code idleAdvance}.
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
    /** A stage that never saw an event waits at most this many times {@code idleAdvance} for its input to be read to the end. */
    static final int EMPTY_FALLBACK = 10;

    private final long idleAdvanceMs;
    private long time = Long.MIN_VALUE;
    private long observed = Long.MIN_VALUE;
    private long observedAtWall;
    private long firstTickAtWall = Long.MIN_VALUE;

    IdleClock(final Duration idleAdvance) {
        this.idleAdvanceMs = idleAdvance.toMillis();
    }

    /** An event with {@code eventTime} arrived at {@code wallNow}. */
    void observe(final long eventTime, final long wallNow) {
        time = Math.max(time, eventTime);
        observed = time;
        observedAtWall = wallNow;
    }

    /** Restores the time a stage had reached before a restart. */
    void restore(final long persisted, final long wallNow) {
        observe(persisted, wallNow);
    }

    /**
     * @param caughtUp whether the stage's input has been read to its end: before its first event, only
     *                 then is it empty rather than still waiting for its records
     * @param behind   whether records of the stage's input are known to wait: then no event for a while
     *                 means a busy thread, not an idle sender, and the time waits for the events
     * @return whether the time moved
     */
    boolean tick(final long wallNow, final boolean caughtUp, final boolean behind) {
        if (observed == Long.MIN_VALUE) {
            return followWallClockFromStart(wallNow, caughtUp);
        }
        final long idleFor = wallNow - observedAtWall;
        if (idleFor < idleAdvanceMs) {
            return false;
        }
        if (behind) {
            // Each such advance would stay (the time never moves back): in a replay on a busy machine they
            // added up to minutes ahead of the events still to read, and those went to events.late.
            observedAtWall = wallNow;
            return false;
        }
        final long advanced = observed + idleFor - LAG;
        if (advanced <= time) {
            return false;
        }
        time = advanced;
        return true;
    }

    /** See the class comment: an empty partition must not hold the counters back for ever. */
    private boolean followWallClockFromStart(final long wallNow, final boolean caughtUp) {
        if (firstTickAtWall == Long.MIN_VALUE) {
            firstTickAtWall = wallNow;
        }
        final long waited = wallNow - firstTickAtWall;
        final boolean empty = caughtUp ? waited >= idleAdvanceMs : waited >= EMPTY_FALLBACK * idleAdvanceMs;
        final long advanced = wallNow - LAG;
        if (!empty || advanced <= time) {
            return false;
        }
        time = advanced;
        return true;
    }

    long time() {
        return time;
    }
}
