package dev.tally.gateway;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** Answers "can we reach Kafka right now?" for {@code /readyz}, bounded in time. */
public final class KafkaHealth implements AutoCloseable {

    private final Admin admin;
    private final Duration timeout;

    public KafkaHealth(final Properties clientProps, final Duration timeout) {
        final Properties p = new Properties();
        p.putAll(clientProps);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "tally-gateway-health");
        this.admin = Admin.create(p);
        this.timeout = timeout;
    }

    /** @return null when Kafka answered, else why not */
    public String problem() {
        try {
            final int brokers = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
            return brokers > 0 ? null : "Kafka reports no brokers";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (Exception e) {
            return "Kafka did not answer within " + timeout.toMillis() + " ms: " + e;
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
