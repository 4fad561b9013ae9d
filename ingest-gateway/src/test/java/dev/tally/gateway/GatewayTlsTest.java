package dev.tally.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tally.config.ConfigException;

/** {@code gateway.tls}: the gateway's port speaks HTTPS with the configured keystore, and only HTTPS. */
class GatewayTlsTest {

    private static final String PASSWORD = "keystore-pass";

    @TempDir
    Path dir;

    @Test
    void shouldServeHttpsWithTheConfiguredKeystore() throws Exception {
        final Path keystore = selfSigned();
        final Map<String, String> env = Map.of("SHOP_SECRET", DeliveryScenario.SECRET, "TLS_PASSWORD", PASSWORD);
        try (TestGateway gw = TestGateway.start("tls: {keystore: " + keystore + ", password_env: TLS_PASSWORD}\n"
                + "sources:\n  shop:\n    secrets: [{env: SHOP_SECRET}]\n", env)) {
            final HttpClient https = HttpClient.newBuilder().sslContext(trusting(keystore)).build();
            final Delivery delivery = DeliveryScenario.valid().build();
            final HttpResponse<String> response = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gw.app.port() + "/webhooks/shop"))
                    .header("X-Signature", delivery.header("X-Signature"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(delivery.body())).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(202);
            assertThatThrownBy(() -> gw.get("/healthz")).as("no plain HTTP on the port").isInstanceOf(Exception.class);
        }
    }

    @Test
    void shouldFailTheStartNamingAMissingPasswordVariable() throws Exception {
        final Path keystore = selfSigned();
        assertThatThrownBy(() -> TestGateway.start("tls: {keystore: " + keystore + ", password_env: NOT_SET}\n"
                + "sources:\n  shop:\n    secrets: [{env: SHOP_SECRET}]\n", Map.of("SHOP_SECRET", "s")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("NOT_SET");
    }

    private Path selfSigned() throws Exception {
        final Path keystore = dir.resolve("gateway.p12");
        if (Files.exists(keystore)) {
            return keystore;
        }
        final Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "gateway", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", PASSWORD)
                .redirectErrorStream(true).start();
        final String output = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();
        return keystore;
    }

    private static SSLContext trusting(final Path keystore) throws Exception {
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            trust.load(in, PASSWORD.toCharArray());
        }
        final KeyStore certs = KeyStore.getInstance(KeyStore.getDefaultType());
        certs.load(null, null);
        certs.setCertificateEntry("gateway", trust.getCertificate("gateway"));
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(certs);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
