package dev.tally.gateway;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import dev.tally.config.ConfigException;

/**
 * HTTPS on the gateway's host and port, from a keystore, added with Javalin's
 * {@code config.jetty.addConnector} (Javalin then adds no plain HTTP connector).
 */
final class TlsConnector {

    private final GatewayConfig.Tls tls;
    private final String password;

    /** Checks the keystore file and reads its password now, so a mistake fails the start naming it. */
    TlsConnector(final GatewayConfig.Tls tls, final Map<String, String> env) {
        this.tls = tls;
        if (!Files.isReadable(Path.of(tls.keystore()))) {
            throw new ConfigException("gateway.tls.keystore: cannot read " + tls.keystore());
        }
        final String value = env.get(tls.passwordEnv());
        if (value == null) {
            throw new ConfigException("gateway.tls.password_env: environment variable " + tls.passwordEnv() + " is not set");
        }
        this.password = value;
    }

    Connector create(final Server server, final HttpConfiguration http, final String host, final int port) {
        final SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStorePath(tls.keystore());
        ssl.setKeyStorePassword(password);
        ssl.setKeyStoreType(tls.type() == null ? "PKCS12" : tls.type());
        final HttpConfiguration https = new HttpConfiguration(http);
        // The keystore's certificate need not name the bind address (127.0.0.1 behind a load balancer).
        final SecureRequestCustomizer customizer = new SecureRequestCustomizer();
        customizer.setSniHostCheck(false);
        https.addCustomizer(customizer);
        final ServerConnector connector = new ServerConnector(server,
                new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }
}
