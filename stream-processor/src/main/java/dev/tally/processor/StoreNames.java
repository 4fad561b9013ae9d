package dev.tally.processor;

import java.time.Duration;

import dev.tally.config.Durations;

/** The names of the processor's state stores; the query API reads them through {@link CounterState}. */
public final class StoreNames {

    /** Event ids seen within the dedupe horizon: key {@code source:event_id}, value receive time. */
    public static final String DEDUPE = "dedupe";

    /** Where the events waiting for {@code events.ordered} are: key a chunk number, value event times and raw offsets. */
    public static final String REORDER = "reorder";

    /** Not a store: the reorder buffer's hook right before each commit ({@link CommitHook}). */
    static final String REORDER_COMMIT = "reorder-commit";

    private StoreNames() {
    }

    /** One row per key of a counting stage ({@link KeyRow}), such as {@code rows.by-event_type}. */
    static String rows(final CountingStage stage) {
        return "rows." + stage.name();
    }

    /** Not a store: a counting stage's hook right before each commit ({@link CommitHook}). */
    static String commit(final CountingStage stage) {
        return "commit." + stage.name();
    }

    /** Not a store: the hook that sends a counting stage's batches right before each commit ({@link KeyByGroup}). */
    static String keyCommit(final CountingStage stage) {
        return "key-commit." + stage.name();
    }

    /** A counting stage's time and each upstream partition's last progress mark. */
    static String clock(final CountingStage stage) {
        return "clock." + stage.name();
    }

    /** A counting stage's open windows, in memory ({@link OpenWindows}). */
    static String open(final CountingStage stage) {
        return "open." + stage.name();
    }

    /** Closed windows of one counter and size moved out of the rows, such as {@code history.by_type.1m}. */
    static String history(final Counter counter, final Duration size) {
        return "history." + counter.name() + "." + Durations.format(size);
    }
}
