package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sources and their secrets follow the config file while the gateway keeps serving. */
class GatewayReloadTest {

    private static final Map<String, String> ENV = Map.of("OLD_SECRET", DeliveryScenario.OLD_SECRET, "NEW_SECRET", DeliveryScenario.SECRET);

    @TempDir
    Path dir;

    private Path config(final String secrets) throws Exception {
        final Path file = dir.resolve("tally.yaml");
        write(file, "gateway:\n  port: 0\n  sources:\n    shop:\n      secrets: " + secrets + "\n");
        return file;
    }

    /** Replaces the file in one step, as deploy tools do, so the watcher never reads half of it. */
    private void write(final Path file, final String content) throws Exception {
        final Path tmp = Files.createTempFile(dir, "tally", ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void shouldAcceptTheNewSecretWithoutARestartOnceTheFileChanges() throws Exception {
        final Path file = config("[{env: OLD_SECRET}]");
        try (TestGateway gw = TestGateway.watching(file, ENV)) {
            final IntSupplier signedWithNew = status(gw, DeliveryScenario.SECRET);
            final IntSupplier signedWithOld = status(gw, DeliveryScenario.OLD_SECRET);
            assertThat(signedWithOld.getAsInt()).isEqualTo(202);
            assertThat(signedWithNew.getAsInt()).isEqualTo(401);

            write(file, Files.readString(file).replace("OLD_SECRET", "NEW_SECRET"));

            assertThat(eventually(signedWithNew, 202)).isEqualTo(202);
            assertThat(signedWithOld.getAsInt()).isEqualTo(401);
        }
    }

    @Test
    void shouldReloadWhenASecretFileTheConfigNamesChanges() throws Exception {
        final Path secret = dir.resolve("shop.secret");
        Files.writeString(secret, DeliveryScenario.OLD_SECRET + "\n");
        final Path file = config("[{file: " + secret + "}]");
        try (TestGateway gw = TestGateway.watching(file, ENV)) {
            assertThat(status(gw, DeliveryScenario.OLD_SECRET).getAsInt()).isEqualTo(202);
            write(secret, DeliveryScenario.SECRET + "\n");
            assertThat(eventually(status(gw, DeliveryScenario.SECRET), 202)).isEqualTo(202);
        }
    }

    @Test
    void shouldKeepServingWithTheOldSourcesWhenTheNewFileIsInvalid() throws Exception {
        final Path file = config("[{env: OLD_SECRET}]");
        try (TestGateway gw = TestGateway.watching(file, ENV)) {
            write(file, Files.readString(file).replace("OLD_SECRET", "UNSET_VARIABLE"));
            Thread.sleep(600);
            assertThat(status(gw, DeliveryScenario.OLD_SECRET).getAsInt()).as("a missing secret").isEqualTo(202);

            write(file, "gateway:\n  port: 0\n  sources:\n    shop: {secrets: [{env: NEW_SECRET}], max_body_bites: 10}\n");
            Thread.sleep(600);
            assertThat(status(gw, DeliveryScenario.OLD_SECRET).getAsInt()).as("an unknown field").isEqualTo(202);

            write(file, "gateway: [not, a, map");
            Thread.sleep(600);
            assertThat(status(gw, DeliveryScenario.OLD_SECRET).getAsInt()).as("not YAML").isEqualTo(202);

            write(file, "gateway:\n  port: 0\n  sources:\n    shop: {secrets: [{env: NEW_SECRET}]}\n");
            assertThat(eventually(status(gw, DeliveryScenario.SECRET), 202)).as("a good file after bad ones").isEqualTo(202);
        }
    }

    private static IntSupplier status(final TestGateway gw, final String key) {
        return () -> {
            try {
                return gw.postSigned("shop", DeliveryScenario.valid().signedWith(key).build()).statusCode();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    private static int eventually(final IntSupplier status, final int expected) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int last = status.getAsInt();
        while (last != expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
            last = status.getAsInt();
        }
        return last;
    }
}
