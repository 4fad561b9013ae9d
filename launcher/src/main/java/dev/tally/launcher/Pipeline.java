package dev.tally.launcher;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.broker.EmbeddedKafkaBroker;
import dev.tally.gateway.GatewayApp;
import dev.tally.gateway.GatewayConfig;
import dev.tally.notifier.NotifierApp;
import dev.tally.notifier.NotifierConfig;
import dev.tally.processor.ProcessorApp;
import dev.tally.processor.ProcessorConfig;
import dev.tally.query.CountsService;
import dev.tally.query.GatewayTraffic;
import dev.tally.query.QueryApp;

/**
 * The whole pipeline in one JVM: an optional embedded broker, the gateway, the processor and its
 * query API, and the notifier when sinks are configured. Used by {@code tally up} and by the end-to-end tests.
 */
public final class Pipeline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    private final EmbeddedKafkaBroker broker;
    private final GatewayApp gateway;
    private final ProcessorApp processor;
    private final QueryApp query;
    private final NotifierApp notifier;
    private final GatewayConfig gatewayConfig;
    private final ProcessorConfig processorConfig;

    private Pipeline(final EmbeddedKafkaBroker broker, final GatewayApp gateway, final ProcessorApp processor,
                     final QueryApp query, final NotifierApp notifier, final GatewayConfig gatewayConfig,
                     final ProcessorConfig processorConfig) {
        this.broker = broker;
        this.gateway = gateway;
        this.processor = processor;
        this.query = query;
        this.notifier = notifier;
        this.gatewayConfig = gatewayConfig;
        this.processorConfig = processorConfig;
    }

    /** Starts processor, query API and gateway, without a notifier; see {@link #awaitRunning} to wait for the processor. */
    public static Pipeline start(final EmbeddedKafkaBroker broker, final GatewayConfig gatewayConfig,
                                 final ProcessorConfig processorConfig, final Map<String, String> env) {
        return start(broker, gatewayConfig, processorConfig, null, env);
    }

    /**
     * Starts processor, query API, the notifier (when {@code notifierConfig} has sinks; its meters on the query API's
     * {@code /metrics}) and gateway.
     */
    public static Pipeline start(final EmbeddedKafkaBroker broker, final GatewayConfig gatewayConfig,
                                 final ProcessorConfig processorConfig, final NotifierConfig notifierConfig,
                                 final Map<String, String> env) {
        final ProcessorApp processor = new ProcessorApp(processorConfig).start();
        QueryApp query = null;
        NotifierApp notifier = null;
        GatewayApp gateway = null;
        final AtomicReference<GatewayApp> built = new AtomicReference<>();
        GatewayConfig gatewayWithQuery = gatewayConfig;
        try {
            // The query API shows the gateway's traffic, and the gateway's replies read the query API's counts: the gateway
            // is built once the query API has its port, and started last, so nothing is accepted earlier.
            query = new QueryApp(processorConfig, new CountsService(processor.streams(), processorConfig),
                    Clock.systemUTC(), env, traffic(built)).start();
            gatewayWithQuery = gatewayConfig.withDefaultQueryUrl("http://" + processorConfig.queryHost() + ":" + query.port());
            gateway = new GatewayApp(gatewayWithQuery, env, Clock.systemUTC());
            built.set(gateway);
            if (notifierConfig != null && notifierConfig.enabled()) {
                notifier = new NotifierApp(notifierConfig, query.meterRegistry(), Clock.systemUTC()).start();
            }
            gateway.start();
        } catch (RuntimeException e) {
            closeQuietly(gateway);
            closeQuietly(notifier);
            closeQuietly(query);
            processor.close();
            throw e;
        }
        return new Pipeline(broker, gateway, processor, query, notifier, gatewayWithQuery, processorConfig);
    }

    public String gatewayUrl() {
        return "http://" + gatewayConfig.host() + ":" + gateway.port();
    }

    public String queryUrl() {
        return "http://" + processorConfig.queryHost() + ":" + query.port();
    }

    public String bootstrapServers() {
        return processorConfig.kafka().bootstrapServers();
    }

    public boolean embedded() {
        return broker != null;
    }

    public GatewayConfig gatewayConfig() {
        return gatewayConfig;
    }

    public ProcessorConfig processorConfig() {
        return processorConfig;
    }

    /** The running processor (for tests that look at its Kafka Streams). */
    public ProcessorApp processor() {
        return processor;
    }

    /** The gateway re-reads its sources and secrets when {@code configFile} (or a secret file) changes. */
    public void reloadGatewayOnChange(final Path configFile) {
        gateway.reloadOnChange(configFile);
    }

    /** Waits until the processor is RUNNING: restored and consuming. False when the pipeline was closed first. */
    public boolean awaitRunning() throws InterruptedException {
        return processor.awaitRunning(Tally.STARTUP_TIMEOUT);
    }

    @Override
    public void close() {
        LOG.info("stopping: gateway first, so nothing new is accepted, then processor, then broker");
        gateway.close();
        if (notifier != null) {
            notifier.close();
        }
        query.close();
        processor.close();
        if (broker != null) {
            broker.close();
        }
        LOG.info("stopped");
    }

    /** The gateway's own meters, as the query API's pipeline view reads them (none before the gateway is built). */
    private static GatewayTraffic traffic(final AtomicReference<GatewayApp> gateway) {
        return () -> gateway.get() == null ? List.of() : gateway.get().traffic().stream()
                .map(t -> new GatewayTraffic.Line(t.source(), t.outcome(), t.deliveries())).toList();
    }

        private static void closeQuietly(final AutoCloseable part) {
        if (part != null) {
            try {
                part.close();
            } catch (Exception e) {
                // already failing; the original error is the one to report
            }
        }
    }
}
