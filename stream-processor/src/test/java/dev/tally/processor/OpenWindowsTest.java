package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class OpenWindowsTest {

    private static final OpenWindows.WindowId MINUTE = new OpenWindows.WindowId("by_type", 60_000L, 0L);
    private static final long CLOSE = 90_000L;

    @Test
    void shouldKeepTheRankingUpToDateAsCountsChangeAfterTheFirstTopQuery() {
        final OpenWindows open = new OpenWindows("open");
        open.rebuild(0L);
        open.put(MINUTE, CLOSE, "push", 3);
        open.put(MINUTE, CLOSE, "issues", 2);
        assertThat(open.top(MINUTE, CLOSE, 2)).containsExactly(new OpenWindows.Ranked("push", 3), new OpenWindows.Ranked("issues", 2));

        open.put(MINUTE, CLOSE, "issues", 5);   // overtakes push
        open.put(MINUTE, CLOSE, "fork", 4);     // a new key
        assertThat(open.top(MINUTE, CLOSE, 10)).containsExactly(new OpenWindows.Ranked("issues", 5), new OpenWindows.Ranked("fork", 4),
                new OpenWindows.Ranked("push", 3));
    }

    @Test
    void shouldCloseAWindowWithEveryKeysLatestCount() {
        final OpenWindows open = new OpenWindows("open");
        open.rebuild(0L);
        open.put(MINUTE, CLOSE, "push", 1);
        open.put(MINUTE, CLOSE, "push", 2);
        open.put(MINUTE, CLOSE, "issues", 7);

        final List<OpenWindows.Board> closed = open.closeUpTo(CLOSE);
        final Map<String, Long> counts = new HashMap<>();
        closed.forEach(board -> board.forEach(counts::put));
        assertThat(counts).isEqualTo(Map.of("push", 2L, "issues", 7L));
    }
}
