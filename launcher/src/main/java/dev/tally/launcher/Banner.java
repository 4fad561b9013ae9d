package dev.tally.launcher;

import java.nio.file.Path;
import java.util.Map;

/** What {@code tally up} prints once everything runs: where things are and the commands to try first. */
final class Banner {

    /** The demo secret the {@code ./tally} script sets when TALLY_DEMO_SECRET is not set. */
    static final String DEMO_SECRET = "tally-demo-secret";

    private Banner() {
    }

    private static String auth(final Pipeline p) {
        return switch (p.processorConfig().queryAccess().auth()) {
            case TOKENS -> "bearer tokens required";
            case NONE -> "auth off: query.auth is none";
            case UNSET -> "query.auth not set";
        };
    }

    /** @param config the config file {@code tally up} runs with: {@code tally send} reads the same one */
    static String text(final Pipeline p, final Map<String, String> env, final Path config) {
        final String source = p.gatewayConfig().sources().keySet().iterator().next();
        final String counter = p.processorConfig().counters().get(0).name();
        final String options = (config.equals(Path.of("tally.yaml")) ? "" : " -c " + config)
                + (p.gatewayConfig().sources().size() > 1 ? " --source " + source : "");
        final String secret = DEMO_SECRET.equals(env.get("TALLY_DEMO_SECRET")) ? "" : "   # with the secret of source '" + source + "' set as the gateway reads it";
        return """

                Tally is up.
                  Kafka       %s%s
                  Gateway     %s/webhooks/{source}   (sources: %s)
                  Query API   %s/v1/counters   (%s)
                  Dashboard   %s/
                  Stop with Ctrl-C; counts are kept in the data directory.

                In another shell, send a signed webhook and read its count back:

                  ./tally send%s --id evt-1 --type order.created --payload '{"plan":"pro"}'%s
                  curl -s '%s/v1/counters/%s/total?key=%s%%7Corder.created'; echo

                Send it twice: the count stays 1, because (source, event_id) is counted once.
                Then watch the dashboard's pipeline view while sending load:

                  ./tally send%s --count 3000 --rate 50 --keys 5 --duplicates 0.1
                """.formatted(p.bootstrapServers(), p.embedded() ? " (embedded)" : "",
                p.gatewayUrl(), String.join(", ", p.gatewayConfig().sources().keySet()),
                p.queryUrl(), auth(p), p.queryUrl(), options, secret, p.queryUrl(), counter, source, options);
    }
}
