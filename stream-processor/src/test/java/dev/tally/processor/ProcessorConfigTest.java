package dev.tally.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import dev.tally.config.ConfigException;
import dev.tally.config.ConfigFile;

class ProcessorConfigTest {

    private static ProcessorConfig parse(final String processorLines) {
        return ProcessorConfig.from(ConfigFile.parse("ProcessorConfigTest", """
                processor:
                  counters: [{name: c, group_by: [source]}]
                %s
                """.formatted(processorLines.indent(2))), Map.of());
    }

    @Test
    void shouldRunOneStreamThreadPerProcessorByDefault() {
        final ProcessorConfig config = parse("");

        assertThat(config.streamThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(ProcessorApp.streamsProperties(config).get(StreamsConfig.NUM_STREAM_THREADS_CONFIG))
                .isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void shouldPassTheConfiguredStreamThreadsToKafkaStreams() {
        final ProcessorConfig config = parse("stream_threads: 3");

        assertThat(ProcessorApp.streamsProperties(config).get(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo(3);
        assertThat(config.withStateDir(config.stateDir().resolve("x")).streamThreads()).isEqualTo(3);
    }

    @Test
    void shouldRefuseNoStreamThreadsNamingTheSetting() {
        assertThatThrownBy(() -> parse("stream_threads: 0"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("processor.stream_threads must be 1 or more, got 0");
    }

    @Test
    void shouldBoundTheFutureSkewByFiveMinutesUnlessConfigured() {
        assertThat(parse("").maxFutureSkew()).isEqualTo(Duration.ofMinutes(5));
        final ProcessorConfig config = parse("max_future_skew: 10m");
        assertThat(config.maxFutureSkew()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.withStateDir(config.stateDir().resolve("x")).maxFutureSkew()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void shouldListTheSinksEachCounterNotifies() {
        final ProcessorConfig config = ProcessorConfig.from(ConfigFile.parse("ProcessorConfigTest", """
                processor:
                  counters:
                    - {name: orders, group_by: [source], thresholds: [100], notify: [sales-slack, ops]}
                    - {name: quiet, group_by: [source], thresholds: [5]}
                """), Map.of());

        assertThat(config.counter("orders").sinks()).containsExactly("sales-slack", "ops");
        assertThat(config.counter("quiet").sinks()).isEmpty();
        assertThat(config.notifyRoutes()).isEqualTo(Map.of("orders", List.of("sales-slack", "ops")));
    }

    @Test
    void shouldRefuseNotifyOnACounterWithoutThresholds() {
        assertThatThrownBy(() -> ProcessorConfig.from(ConfigFile.parse("ProcessorConfigTest", """
                processor:
                  counters: [{name: c, group_by: [source], notify: [ops]}]
                """), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("counter 'c': notify [ops] needs thresholds");
    }
}
