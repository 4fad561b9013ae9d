package dev.tally.processor;

import java.time.Duration;

/**
 * A stage's notion of "now" in event time: the largest event time it has seen (its stream time),
 * which starts following the wall clock once no event has arrived for {@code idleAdvance}. That is
 * what lets buffers drain and windows close when traffic stops; while events keep arriving (a
 * replay of old data, say) only their event times move it. A stage that has seen no event at all
 * follows the wall clock from {@code idleAdvance} after its first tick.
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

    /** @return whether the time moved */
    boolean tick(final long wallNow) {
        if (observed == Long.MIN_VALUE) {
            return followWallClockFromStart(wallNow);
        }
        final long idleFor = wallNow - observedAtWall;
        if (idleFor < idleAdvanceMs) {
            return false;
        }
        final long advanced = observed + idleFor - LAG;
        if (advanced <= time) {
            return false;
        }
        time = advanced;
        return true;
    }

    /**
     * A stage that has seen no event since it started (an empty partition) follows the wall clock once
     * {@code idleAdvance} has passed since its first tick: the counter stage waits for the slowest
     * partition, and an empty one must not hold it back for ever.
     */
    private boolean followWallClockFromStart(final long wallNow) {
        if (firstTickAtWall == Long.MIN_VALUE) {
            firstTickAtWall = wallNow;
        }
        final long advanced = wallNow - LAG;
        if (wallNow - firstTickAtWall < idleAdvanceMs || advanced <= time) {
            return false;
        }
        time = advanced;
        return true;
    }

    long time() {
        return time;
    }
}
