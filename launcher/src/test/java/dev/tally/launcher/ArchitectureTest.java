package dev.tally.launcher;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The modules keep to their business, checked on the compiled classes: the query API knows the
 * processor only through its contract ({@code CounterState} and {@code ProcessorMetrics}, plus the
 * configuration it is given), the gateway never touches Kafka Streams, the topology never touches
 * HTTP, and the notifier knows neither Kafka Streams nor the processor (the launcher hands it the
 * counters' sinks).
 */
class ArchitectureTest {

    private static final JavaClasses TALLY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.tally");

    /** What of the processor the query API may use: its contract (stores and its own metrics), and the configuration it runs with. */
    private static final DescribedPredicate<JavaClass> PROCESSOR_BEYOND_ITS_CONTRACT = new DescribedPredicate<>(
            "processor classes other than CounterState, Counter, ProcessorConfig and ProcessorMetrics") {
        @Override
        public boolean test(final JavaClass c) {
            final String name = c.getName();
            return c.getPackageName().equals("dev.tally.processor")
                    && !name.startsWith("dev.tally.processor.CounterState")
                    && !name.equals("dev.tally.processor.Counter")
                    && !name.startsWith("dev.tally.processor.ProcessorConfig")
                    && !name.equals("dev.tally.processor.ProcessorMetrics");
        }
    };

    @Test
    void shouldLetTheQueryApiSeeOnlyTheProcessorsContract() {
        noClasses().that().resideInAPackage("dev.tally.query..")
                .should().dependOnClassesThat(PROCESSOR_BEYOND_ITS_CONTRACT)
                .because("store names, the watermark and the finality rule live in CounterState alone")
                .check(TALLY);
    }

    @Test
    void shouldKeepKafkaStreamsOutOfTheGateway() {
        noClasses().that().resideInAPackage("dev.tally.gateway..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.kafka.streams..")
                .check(TALLY);
    }

    @Test
    void shouldKeepHttpOutOfTheTopology() {
        noClasses().that().resideInAPackage("dev.tally.processor..")
                .should().dependOnClassesThat().resideInAPackage("io.javalin..")
                .check(TALLY);
    }

    @Test
    void shouldKeepTheNotifierApartFromTheProcessorAndKafkaStreams() {
        noClasses().that().resideInAPackage("dev.tally.notifier..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka.streams..", "dev.tally.processor..",
                        "dev.tally.query..", "dev.tally.gateway..")
                .because("it reads the alerts topic like any consumer; which counter goes where comes from its config")
                .check(TALLY);
    }
}
