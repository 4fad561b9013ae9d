package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** PNG charts with XChart (headless). */
final class Plots {

    private Plots() {
    }

    /** One line per series; each series is {xs, ys}. */
    static void lines(final Path file, final String title, final String x, final String y, final boolean logX,
                      final Map<String, double[][]> series) {
        final XYChart chart = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisMin(0.0);
        series.forEach((name, xy) -> {
            if (xy[0].length > 0) {
                chart.addSeries(name, xy[0], xy[1]).setMarker(SeriesMarkers.CIRCLE);
            }
        });
        save(chart, file);
    }

    /** Grouped bars: one group per category, one bar per series. */
    static void bars(final Path file, final String title, final String y, final List<String> categories,
                     final Map<String, List<? extends Number>> series) {
        final CategoryChart chart = new CategoryChartBuilder().width(900).height(520).title(title).yAxisTitle(y).build();
        series.forEach((name, values) -> chart.addSeries(name, categories, values));
        save(chart, file);
    }

    private static void save(final org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, final Path file) {
        try {
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
