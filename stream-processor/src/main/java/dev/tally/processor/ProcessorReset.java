package dev.tally.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * Makes the processor start over from the beginning of {@code webhooks.raw}: deletes its consumer
 * group (the committed offsets), its internal changelog and repartition topics, and its local
 * state. The next start rebuilds every count. Refuses while a processor instance is running.
 */
public final class ProcessorReset {

    /** What a reset removed. */
    public record Result(boolean groupDeleted, List<String> topicsDeleted, boolean localStateDeleted) {
    }

    private ProcessorReset() {
    }

    public static Result reset(final ProcessorConfig config) throws InterruptedException {
        final String app = config.applicationId();
        final Properties props = config.kafka().clientProperties();
        try (Admin admin = Admin.create(props)) {
            boolean groupDeleted = false;
            try {
                final Map<String, ConsumerGroupDescription> groups = admin.describeConsumerGroups(List.of(app)).all().get();
                if (!groups.get(app).members().isEmpty()) {
                    throw new IllegalStateException("processor '" + app + "' is running (" + groups.get(app).members().size()
                            + " members in its consumer group); stop every instance before a reset");
                }
                admin.deleteConsumerGroups(List.of(app)).all().get();
                groupDeleted = true;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw new IllegalStateException("cannot delete consumer group " + app + ": " + e.getCause().getMessage(), e);
                }
            }
            final List<String> internal = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(app + "-") && (t.endsWith("-changelog") || t.endsWith("-repartition")))
                    .sorted()
                    .toList();
            admin.deleteTopics(internal).all().get();
            return new Result(groupDeleted, internal, deleteRecursively(config.stateDir().resolve(app)));
        } catch (ExecutionException e) {
            throw new IllegalStateException("reset of '" + app + "' failed: " + e.getCause().getMessage(), e);
        }
    }

    private static boolean deleteRecursively(final Path dir) {
        if (!Files.exists(dir)) {
            return false;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete local state " + dir, e);
        }
    }
}
