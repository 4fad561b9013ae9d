package dev.tally.processor;

import java.time.Duration;

/**
 * A stage's notion of "now" in event time: the largest event time it has seen (its stream time),
 * which starts following the wall clock once no event has arrived for {@code idleAdvance}. That is
 * what lets buffers drain and windows close when traffic stops; while events keep arriving (a
 * replay of old data, say) only their event times move it.
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
        final long idleFor = wallNow - observedAtWall;
        if (time == Long.MIN_VALUE || idleFor < idleAdvanceMs) {
            return false;
        }
        final long advanced = observed + idleFor - LAG;
        if (advanced <= time) {
            return false;
        }
        time = advanced;
        return true;
    }

    long time() {
        return time;
    }
}
