package dev.tally.processor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The ids of one task's dedupe store, in memory as bloom filters by receive time, so that a new id —
 * nearly every delivery — passes the dedupe without a store lookup (a range scan over the store's
 * segments). A filter never misses an id it was given; it says "maybe" for about one new id in a
 * hundred, and those are looked up in the store as before.
 *
 * <p>Ids are filed by their receive time into slices a quarter of the longest horizon wide; each slice is a
 * chain of filters, a new one twice as large whenever the last is full, the first as large as the
 * previous slice ended. A slice older than the newest receive time by more than the longest horizon and a
 * slice is dropped; from then on a lookup reaching before it goes to the store. Past {@link #MAX_IDS} ids
 * within that time (about 20 MiB of filters) the filters are dropped and every lookup goes to the store until the task
 * starts again: memory stays bounded, the answer stays the store's.
 */
final class SeenIds {

    /** The most ids one task's filters hold. */
    static final long MAX_IDS = 16_000_000L;
    private static final long FIRST_CAPACITY = 16_384;
    /** Bits set per id within its 512-bit block; with 10 bits per id about 1 % answer "maybe" wrongly. */
    private static final int PROBES = 7;
    private static final int BITS_PER_ID = 10;

    private final long width;
    private final long keep;
    private final long maxIds;
    private final TreeMap<Long, Slice> slices = new TreeMap<>();
    /** The filters know every id of the store received at or after this; a lookup reaching earlier goes to the store. */
    private long coveredFrom = Long.MIN_VALUE;
    private long ids;
    private long newest = Long.MIN_VALUE;

    /** @param longestHorizon the longest dedupe horizon: ids are looked up within it of their receive time */
    SeenIds(final long longestHorizon) {
        this(longestHorizon, MAX_IDS);
    }

    SeenIds(final long longestHorizon, final long maxIds) {
        this.width = Math.max(1_000L, longestHorizon / 4);
        this.keep = longestHorizon + width;
        this.maxIds = maxIds;
    }

    /** Records {@code id}, received at {@code receivedAt}. */
    void add(final String id, final long receivedAt) {
        if (coveredFrom == Long.MAX_VALUE) {
            return;
        }
        if (++ids > maxIds) {
            blind();
            return;
        }
        final long index = Math.floorDiv(receivedAt, width);
        Slice slice = slices.get(index);
        if (slice == null) {
            final Map.Entry<Long, Slice> before = slices.lowerEntry(index);
            slice = new Slice(before == null ? FIRST_CAPACITY : Math.max(FIRST_CAPACITY, before.getValue().count));
            slices.put(index, slice);
        }
        slice.add(hash(id));
        if (receivedAt > newest) {
            newest = receivedAt;
            expire();
        }
    }

    /** Whether the store may hold {@code id} with a receive time within {@code [from, to]}; false means it does not. */
    boolean mightContain(final String id, final long from, final long to) {
        if (from < coveredFrom) {
            return true;
        }
        final long h = hash(id);
        for (Slice slice : slices.subMap(Math.floorDiv(from, width), true, Math.floorDiv(to, width), true).values()) {
            if (slice.mightContain(h)) {
                return true;
            }
        }
        return false;
    }

    /** Forgets every id: from now on every lookup goes to the store. */
    void blind() {
        slices.clear();
        coveredFrom = Long.MAX_VALUE;
    }

    /** Whether every lookup goes to the store. */
    boolean isBlind() {
        return coveredFrom == Long.MAX_VALUE;
    }

    private void expire() {
        while (!slices.isEmpty() && (slices.firstKey() + 1) * width <= newest - keep) {
            final Map.Entry<Long, Slice> oldest = slices.pollFirstEntry();
            ids -= oldest.getValue().count;
            coveredFrom = Math.max(coveredFrom, (oldest.getKey() + 1) * width);
        }
    }

    /** 64 bits of the id's characters (FNV-1a, then a finaliser to spread them). */
    static long hash(final String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h = (h ^ id.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    /** The filters of one slice of receive time. */
    private static final class Slice {
        private final List<Filter> chain = new ArrayList<>(2);
        long count;

        Slice(final long capacity) {
            chain.add(new Filter(capacity));
        }

        void add(final long h) {
            Filter last = chain.get(chain.size() - 1);
            if (last.count >= last.capacity) {
                last = new Filter(last.capacity * 2);
                chain.add(last);
            }
            last.add(h);
            count++;
        }

        boolean mightContain(final long h) {
            for (Filter f : chain) {
                if (f.mightContain(h)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A blocked bloom filter: each id's bits lie in one 512-bit block, one cache line. */
    private static final class Filter {
        private final long[] words;
        private final int blockMask;
        final long capacity;
        long count;

        Filter(final long capacity) {
            final long blocks = Long.highestOneBit(Math.max(1, capacity * BITS_PER_ID / 512 - 1)) << 1;
            this.words = new long[(int) (blocks * 8)];
            this.blockMask = (int) blocks - 1;
            this.capacity = capacity;
        }

        void add(final long h) {
            final int base = ((int) (h >>> 40) & blockMask) << 3;
            int probe = (int) h;
            final int step = (int) (h >>> 20) | 1;
            for (int i = 0; i < PROBES; i++) {
                final int bit = probe & 511;
                words[base + (bit >>> 6)] |= 1L << bit;
                probe += step;
            }
            count++;
        }

        boolean mightContain(final long h) {
            final int base = ((int) (h >>> 40) & blockMask) << 3;
            int probe = (int) h;
            final int step = (int) (h >>> 20) | 1;
            for (int i = 0; i < PROBES; i++) {
                final int bit = probe & 511;
                if ((words[base + (bit >>> 6)] & (1L << bit)) == 0) {
                    return false;
                }
                probe += step;
            }
            return true;
        }
    }
}
