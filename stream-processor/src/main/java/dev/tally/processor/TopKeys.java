package dev.tally.processor;

import java.util.List;

/** What a query reads of {@link OpenWindows}: the top keys of a window. */
public interface TopKeys {

    /**
     * The top {@code n} keys of {@code window} by count (ties by key), or null when not held here.
     *
     * @param closeAt when {@code window} closes (its end plus the counter's grace)
     */
    List<OpenWindows.Ranked> top(OpenWindows.WindowId window, long closeAt, int n);
}
