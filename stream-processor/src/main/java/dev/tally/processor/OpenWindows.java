package dev.tally.processor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ObjLongConsumer;

import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.QueryableStoreType;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.StateStoreProvider;

/**
 * The open windows of one counting stage's task, in memory: per window, each key's count, and the
 * windows ordered by when they close. When the stage's time moves, it says which windows closed
 * and holds their keys' counts, so finals need no store scan; and it ranks a window's keys for
 * top-N queries, also for the last {@link #RECENT_CLOSED} closed windows of each counter and size.
 *
 * <p>Not logged: the stage rebuilds it from its rows store ({@link KeyRow}) whenever the task
 * starts. The stream thread is its only writer; query threads read it through {@link #TYPE}, so a
 * window's counts are guarded by the window.
 */
public final class OpenWindows extends UnloggedStore implements TopKeys {

    /** Closed windows kept per counter and size for top-N queries. */
    static final int RECENT_CLOSED = 2;

    /** One window of one counter. */
    public record WindowId(String counter, long size, long start) {
    }

    /** One key's count in a window. */
    public record Ranked(String key, long count) {
    }

    /** Highest count first, then by key. */
    static final Comparator<Ranked> RANKING = Comparator.comparingLong(Ranked::count).reversed().thenComparing(Ranked::key);

    /** For {@code KafkaStreams.store}: the stores of one stage, read as one. */
    public static final QueryableStoreType<TopKeys> TYPE = new QueryableStoreType<>() {
        @Override
        public boolean accepts(final StateStore store) {
            return store instanceof OpenWindows;
        }

        @Override
        public TopKeys create(final StateStoreProvider provider, final String storeName) {
            return (window, closeAt, n) -> {
                final List<Ranked> merged = new ArrayList<>();
                for (TopKeys store : provider.stores(storeName, this)) { // the stores themselves, each a Reader
                    final List<Ranked> top = store.top(window, closeAt, n);
                    if (top == null) {
                        return null;
                    }
                    merged.addAll(top);
                }
                merged.sort(RANKING);
                return merged.subList(0, Math.min(n, merged.size()));
            };
        }
    };

    /** One window's counts by key; the ranking is built on the first top-N query and kept up to date after it. */
    static final class Board {
        final WindowId id;
        final long closeAt;
        /** Each key's count, in a cell of its own that a new count overwrites (no boxed count per event). */
        private final HashMap<String, long[]> counts = new HashMap<>();
        private TreeSet<Ranked> ranking;

        Board(final WindowId id, final long closeAt) {
            this.id = id;
            this.closeAt = closeAt;
        }

        synchronized void put(final String key, final long count) {
            final long[] cell = counts.get(key);
            if (cell == null) {
                counts.put(key, new long[] {count});
            } else if (ranking != null) {
                ranking.remove(new Ranked(key, cell[0]));
            }
            if (cell != null) {
                cell[0] = count;
            }
            if (ranking != null) {
                ranking.add(new Ranked(key, count));
            }
        }

        synchronized List<Ranked> top(final int n) {
            if (ranking == null) {
                ranking = new TreeSet<>(RANKING);
                counts.forEach((key, cell) -> ranking.add(new Ranked(key, cell[0])));
            }
            final List<Ranked> top = new ArrayList<>(Math.min(n, ranking.size()));
            final Iterator<Ranked> it = ranking.iterator();
            while (top.size() < n && it.hasNext()) {
                top.add(it.next());
            }
            return top;
        }

        synchronized void forEach(final ObjLongConsumer<String> action) {
            counts.forEach((key, cell) -> action.accept(key, cell[0]));
        }
    }

    private final Map<WindowId, Board> boards = new ConcurrentHashMap<>();
    private final TreeMap<Long, List<Board>> byClose = new TreeMap<>();
    private final Map<String, ArrayDeque<Board>> recentlyClosed = new HashMap<>();
    /** Per counter and size: windows closing after this are held (without a board: no key counted in them). */
    private final Map<String, Long> heldAfter = new ConcurrentHashMap<>();
    /** Windows closing after this are held; before the first {@link #rebuilt}, none. */
    private volatile long rebuiltAt = Long.MAX_VALUE;

    OpenWindows(final String name) {
        super(name);
    }

    /** The store's builder, for a processor's {@code stores()}: never cached, never logged. */
    static StoreBuilder<OpenWindows> builder(final String name) {
        return UnloggedStore.builder(name, OpenWindows::new);
    }

    /** Sets {@code key}'s count in {@code window}, which closes at {@code closeAt}. */
    void put(final WindowId window, final long closeAt, final String key, final long count) {
        Board board = boards.get(window);
        if (board == null) {
            board = new Board(window, closeAt);
            boards.put(window, board);
            byClose.computeIfAbsent(closeAt, t -> new ArrayList<>()).add(board);
        }
        board.put(key, count);
    }

    /** Removes and returns, in closing order, every open window that closes at or before {@code time}. */
    List<Board> closeUpTo(final long time) {
        final List<Board> closed = new ArrayList<>();
        while (!byClose.isEmpty() && byClose.firstKey() <= time) {
            for (Board board : byClose.pollFirstEntry().getValue()) {
                closed.add(board);
                final ArrayDeque<Board> recent = recentlyClosed.computeIfAbsent(board.id.counter() + "|" + board.id.size(),
                        k -> new ArrayDeque<>());
                recent.addLast(board);
                if (recent.size() > RECENT_CLOSED) {
                    final Board dropped = recent.removeFirst();
                    heldAfter.put(board.id.counter() + "|" + board.id.size(), dropped.closeAt);
                    boards.remove(dropped.id);
                }
            }
        }
        return closed;
    }

    /**
     * The top {@code n} keys of {@code window} by count, or null when this store does not hold the
     * window: it closed before the last rebuild, or before the {@link #RECENT_CLOSED} kept since.
     */
    @Override
    public List<Ranked> top(final WindowId window, final long closeAt, final int n) {
        final Board board = boards.get(window);
        if (board != null) {
            return board.top(n);
        }
        final long after = Math.max(rebuiltAt, heldAfter.getOrDefault(window.counter() + "|" + window.size(), Long.MIN_VALUE));
        return closeAt > after ? List.of() : null;
    }

    /** Forgets everything, before a rebuild that then {@link #put}s every window still open at {@code time}. */
    void rebuild(final long time) {
        boards.clear();
        byClose.clear();
        recentlyClosed.clear();
        heldAfter.clear();
        rebuiltAt = time;
    }

    @Override
    public void close() {
        super.close();
        rebuild(Long.MAX_VALUE);
    }
}
