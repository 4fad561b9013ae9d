package dev.tally.query;

import java.time.Instant;
import java.util.List;

import dev.tally.processor.ProcessorMetrics;

/**
 * {@code GET /v1/pipeline}: the services' own counters at one instant, cumulative since each
 * started; the dashboard's pipeline view turns two of them into rates per second.
 *
 * @param at              when the figures were read
 * @param gateway         whether a gateway runs in this JVM (else {@code deliveries} is empty)
 * @param deliveries      the gateway's deliveries by source and outcome
 * @param duplicates      deliveries the processor dropped as duplicates
 * @param late            events that missed a closed window
 * @param lagRecords      records of the input the processor has yet to read
 * @param freshnessMillis wall clock minus event time when the processor counts an event (recent average); null before any record
 */
record PipelineStatus(Instant at, boolean gateway, List<GatewayTraffic.Line> deliveries, long duplicates, long late,
                      long lagRecords, Double freshnessMillis) {

    static PipelineStatus of(final Instant at, final GatewayTraffic traffic, final ProcessorMetrics processor) {
        return new PipelineStatus(at, traffic != GatewayTraffic.NONE, List.copyOf(traffic.lines()), processor.duplicates(),
                processor.late(), processor.lagRecords(), processor.freshnessMillis());
    }
}
