package dev.tally.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.tally.config.ConfigFile;
import dev.tally.gateway.GatewayConfig;
import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.Json;

/**
 * docker-compose.yml, the Dockerfiles and the files they mount agree with the code (this machine
 * has no Docker engine to run them; `tally cluster` runs the same topology as processes).
 */
class ComposeFileTest {

    private static final Path ROOT = Path.of(System.getProperty("maven.multiModuleProjectDirectory",
            Path.of("").toAbsolutePath().getParent().toString()));
    private static JsonNode services;

    @BeforeAll
    static void parse() throws IOException {
        services = new YAMLMapper().readTree(ROOT.resolve("docker-compose.yml").toFile()).get("services");
    }

    @Test
    void shouldRunThreeBrokersTwoGatewaysBehindALoadBalancerTwoProcessorsPrometheusAndGrafana() {
        assertThat(names()).contains("kafka-1", "kafka-2", "kafka-3", "gateway-1", "gateway-2", "load-balancer",
                "processor-1", "processor-2", "prometheus", "grafana");
    }

    @Test
    void shouldUseTheKafkaImageOfTheClientsVersionAndPinEveryImage() {
        for (String name : names()) {
            final JsonNode s = services.get(name);
            assertThat(s.has("image") || s.has("build")).as(name + " has an image or a build").isTrue();
            if (s.has("image")) {
                assertThat(s.get("image").asText()).as(name).contains(":").doesNotEndWith(":latest");
            }
            if (name.startsWith("kafka-")) {
                assertThat(s.get("image").asText()).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
            }
        }
    }

    @Test
    void shouldBuildTallyServicesFromMultiStageNonRootDockerfilesWithAHealthcheck() throws IOException {
        for (String name : tallyServices()) {
            final Path dockerfile = ROOT.resolve(services.get(name).get("build").get("dockerfile").asText());
            assertThat(dockerfile).as(name).exists();
            final String text = Files.readString(dockerfile);
            assertThat(Pattern.compile("^FROM ", Pattern.MULTILINE).matcher(text).results().count()).as(dockerfile + " stages")
                    .isGreaterThanOrEqualTo(2);
            assertThat(text).contains(" AS build").contains("HEALTHCHECK").containsPattern("(?m)^USER (?!root)\\S+");
            assertThat(services.get(name).has("healthcheck")).as(name + " healthcheck").isTrue();
        }
    }

    @Test
    void shouldPassOnlyVariablesTheCodeReadsAndDocuments() throws IOException {
        final String readme = Files.readString(ROOT.resolve("README.md"));
        final Set<String> clientProperties = new HashSet<>();
        clientProperties.addAll(ProducerConfig.configNames());
        clientProperties.addAll(ConsumerConfig.configNames());
        clientProperties.addAll(AdminClientConfig.configNames());
        clientProperties.addAll(StreamsConfig.configDef().names());
        final String code = mainSources();
        for (String name : tallyServices()) {
            final Map<String, String> env = environment(name);
            final Set<String> secrets = secretVariables(configFile(name));
            for (String variable : env.keySet()) {
                if (variable.startsWith("KAFKA_")) {
                    final String property = variable.substring(6).toLowerCase(Locale.ROOT).replace('_', '.');
                    assertThat(clientProperties).as(name + ": " + variable + " is a Kafka client property").contains(property);
                } else if (!secrets.contains(variable)) {
                    assertThat(code).as(name + ": the code reads " + variable).contains(variable);
                    assertThat(readme).as(name + ": README documents " + variable).contains(variable);
                }
            }
        }
    }

    @Test
    void shouldGiveEveryTallyServiceAConfigTheCodeAcceptsWithClusterReplication() {
        for (String name : tallyServices()) {
            final Path config = configFile(name);
            final ConfigFile file = ConfigFile.load(config);
            final Map<String, String> env = environment(name);
            if (name.startsWith("gateway-")) {
                final GatewayConfig gateway = GatewayConfig.from(file, env);
                assertThat(gateway.port()).isEqualTo(8080);
                assertThat(gateway.kafka().topics().replicationFactor()).isEqualTo((short) 3);
                assertThat(gateway.kafka().topics().minInsyncReplicas()).isEqualTo(2);
            } else {
                final ProcessorConfig processor = ProcessorConfig.from(file, env);
                assertThat(processor.queryPort()).isEqualTo(8081);
                assertThat(processor.advertisedHost()).as("other instances reach " + name + " by its service name").isEqualTo(name);
                assertThat(processor.kafka().topics().replicationFactor()).isEqualTo((short) 3);
                assertThat(processor.queryAccess().auth()).as(name + " requires a bearer token on its query API")
                        .isEqualTo(ProcessorConfig.QueryAccess.Auth.TOKENS);
            }
        }
    }

    @Test
    void shouldProbeTheHealthcheckOnTheConfiguredPort() {
        for (String name : tallyServices()) {
            final String port = environment(name).getOrDefault("TALLY_GATEWAY_PORT", environment(name).get("TALLY_QUERY_PORT"));
            assertThat(services.get(name).get("healthcheck").get("test").toString()).contains("localhost:" + port + "/");
        }
    }

    @Test
    void shouldScrapeAndBalanceServicesThatExist() throws IOException {
        final String prometheus = Files.readString(ROOT.resolve("deploy/prometheus.yml"));
        final String nginx = Files.readString(ROOT.resolve("deploy/nginx.conf"));
        for (String name : tallyServices()) {
            final String port = name.startsWith("gateway-") ? "8080" : "8081";
            assertThat(prometheus).contains("\"" + name + ":" + port + "\"");
            if (name.startsWith("gateway-")) {
                assertThat(nginx).contains("server " + name + ":" + port);
            }
        }
        final JsonNode dashboard = Json.MAPPER.readTree(ROOT.resolve("deploy/grafana/dashboards/tally.json").toFile());
        assertThat(dashboard.get("panels")).isNotEmpty();
        for (String mount : List.of("./deploy/grafana/provisioning", "./deploy/grafana/dashboards")) {
            assertThat(services.get("grafana").get("volumes").toString()).contains(mount);
            assertThat(ROOT.resolve(mount)).isDirectory();
        }
    }

    private static List<String> names() {
        final List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> tallyServices() {
        return names().stream().filter(n -> services.get(n).has("build")).toList();
    }

    private static Map<String, String> environment(final String name) {
        final Map<String, String> env = new HashMap<>();
        services.get(name).get("environment").fields().forEachRemaining(e -> env.put(e.getKey(),
                e.getValue().asText().replaceAll("\\$\\{[A-Z_]+:-([^}]*)}", "$1")));
        return env;
    }

    private static Path configFile(final String name) {
        final String container = environment(name).get("TALLY_CONFIG");
        for (JsonNode volume : services.get(name).get("volumes")) {
            final String[] parts = volume.asText().split(":");
            if (parts[1].equals(container)) {
                return ROOT.resolve(parts[0]);
            }
        }
        throw new AssertionError(name + " mounts no file at TALLY_CONFIG " + container);
    }

    private static Set<String> secretVariables(final Path config) throws IOException {
        final Set<String> variables = new HashSet<>();
        final Matcher m = Pattern.compile("env: ([A-Z0-9_]+)").matcher(Files.readString(config));
        while (m.find()) {
            variables.add(m.group(1));
        }
        return variables;
    }

    private static String mainSources() throws IOException {
        final StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/")).toList()) {
                all.append(Files.readString(f));
            }
        }
        return all.toString();
    }
}
