package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The results of one run: a JSON tree ({@code results.json}) and a markdown table of Tally against
 * its baseline with their ratio ({@code results.md}). The PNG plots are written by each benchmark.
 */
final class Report {

    /** One line of the table: a metric of Tally and of its baseline in the same run. */
    record Row(String benchmark, String metric, String tally, String baseline, String ratio, String target) {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final Map<String, Object> json = new LinkedHashMap<>();
    private final List<Row> rows = new ArrayList<>();

    Report(final Path dir, final Map<String, Object> run) {
        this.dir = dir;
        json.put("run", run);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dir() {
        return dir;
    }

    void section(final String name, final Object data) {
        json.put(name, data);
    }

    /** A row comparing {@code tally} with {@code baseline}; the ratio is tally / baseline. */
    void compare(final String benchmark, final String metric, final double tally, final double baseline,
                 final String unit, final String target) {
        rows.add(new Row(benchmark, metric, format(tally) + unit, format(baseline) + unit,
                baseline == 0 || Double.isNaN(tally) || Double.isNaN(baseline) ? "–" : format(tally / baseline), target));
    }

    void note(final String benchmark, final String metric, final String tally, final String baseline, final String ratio,
              final String target) {
        rows.add(new Row(benchmark, metric, tally, baseline, ratio, target));
    }

    List<Row> rows() {
        return rows;
    }

    Map<String, Object> json() {
        return json;
    }

    void write() {
        json.put("table", rows);
        try {
            MAPPER.writeValue(dir.resolve("results.json").toFile(), json);
            Files.writeString(dir.resolve("results.md"), markdown());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String markdown() {
        final StringBuilder md = new StringBuilder();
        md.append("| benchmark | metric | Tally | baseline | ratio | target |\n|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            md.append("| ").append(String.join(" | ", r.benchmark(), r.metric(), r.tally(), r.baseline(), r.ratio(), r.target()))
                    .append(" |\n");
        }
        return md.toString();
    }

    static String format(final double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static double round(final double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? -1 : Math.round(v * 100) / 100.0;
    }
}
