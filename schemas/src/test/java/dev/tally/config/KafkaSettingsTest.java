package dev.tally.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

    @Test
    void shouldPassKafkaVariablesThroughAsClientPropertiesOverTheFile() {
        final ConfigFile file = ConfigFile.parse("test", """
                kafka:
                  bootstrap_servers: file:9092
                  client: {client.rack: a}
                """);
        final KafkaSettings kafka = KafkaSettings.from(file, Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "env:9092",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_HEAP_OPTS", "-Xmx1g",
                "PATH", "/bin"));
        assertThat(kafka.client()).containsEntry("bootstrap.servers", "env:9092")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("client.rack", "a")
                .doesNotContainKey("heap.opts")
                .hasSize(3);
    }

    @Test
    void shouldHaveNoBootstrapServersWhenNoneAreConfigured() {
        assertThat(KafkaSettings.from(ConfigFile.parse("test", ""), Map.of()).hasBootstrapServers()).isFalse();
    }

    @Test
    void shouldRejectAMinInsyncAboveTheReplicationFactor() {
        final ConfigFile file = ConfigFile.parse("test", """
                kafka:
                  topics: {replication_factor: 1, min_insync_replicas: 2}
                """);
        assertThatThrownBy(() -> KafkaSettings.from(file, Map.of())).hasMessageContaining("min_insync_replicas");
    }

    @Test
    void shouldNameAnUnknownFieldWithItsPath() {
        final ConfigFile file = ConfigFile.parse("tally.yaml", """
                kafka:
                  topics: {partitons: 3}
                """);
        assertThatThrownBy(() -> KafkaSettings.from(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("tally.yaml")
                .hasMessageContaining("partitons");
    }
}
