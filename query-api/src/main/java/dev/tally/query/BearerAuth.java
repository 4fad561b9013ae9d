package dev.tally.query;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.config.ConfigException;
import dev.tally.processor.ProcessorConfig;
import dev.tally.processor.ProcessorConfig.QueryAccess;
import dev.tally.processor.ProcessorConfig.QueryAccess.TokenRef;
import dev.tally.http.HttpSupport;
import dev.tally.schemas.Problem;
import dev.tally.schemas.ProblemException;

/**
 * Bearer tokens for {@code /v1/*}. The tokens are read once at start from the environment variables
 * or files {@code query.auth.tokens} names (never from the config file, never logged) and compared
 * in constant time: the SHA-256 of the presented token against each accepted one's, all of them,
 * always.
 *
 * <p>Auth is off only when {@code query.auth: none} says so, and the start logs that it is (a
 * warning unless the API listens on a loopback address only). With {@code query.auth} not set at all the query API refuses to start: being open is a choice
 * the config file has to make, whatever address it binds.
 */
final class BearerAuth {

    private static final Logger LOG = LoggerFactory.getLogger(BearerAuth.class);

    private final List<byte[]> digests;

    private BearerAuth(final List<byte[]> digests) {
        this.digests = digests;
    }

    static BearerAuth from(final ProcessorConfig config, final Map<String, String> env) {
        final QueryAccess access = config.queryAccess();
        switch (access.auth()) {
            case NONE -> {
                // A warning where others can reach it; on loopback (the sample config's local run) a fact.
                if (loopback(config.queryHost())) {
                    LOG.info("query API authentication is off (query.auth: none); it listens on {}:{} only",
                            config.queryHost(), config.queryPort());
                } else {
                    LOG.warn("query API authentication is OFF (query.auth: none): anyone who reaches {}:{} can read the counts",
                            config.queryHost(), config.queryPort());
                }
                return new BearerAuth(null);
            }
            case UNSET -> throw new ConfigException("query.auth is not set: set query.auth.tokens (e.g. "
                    + "{tokens: [{env: TALLY_QUERY_TOKEN}]}) to require a bearer token, or query.auth: none to serve "
                    + config.queryHost() + ":" + config.queryPort() + " without authentication (a local run)");
            default -> {
                final List<byte[]> digests = new ArrayList<>();
                for (int i = 0; i < access.tokens().size(); i++) {
                    digests.add(sha256(read(access.tokens().get(i), env, "query.auth.tokens[" + i + "]")));
                }
                LOG.info("query API requires a bearer token ({} accepted, from {})", digests.size(), access.tokens());
                return new BearerAuth(digests);
            }
        }
    }

    private static boolean loopback(final String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    boolean enabled() {
        return digests != null;
    }

    /** Lets the request through, or answers 401 and skips its handler. */
    void check(final Context ctx) {
        if (digests == null || !ctx.path().startsWith("/v1/")) {
            return;
        }
        final String header = ctx.header("Authorization");
        // EventSource cannot set headers: the dashboard's live stream passes the token as access_token.
        final String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip()
                : ctx.queryParam("access_token");
        if (token == null || token.isEmpty() || !accepted(token)) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"tally\"");
            HttpSupport.problem(ctx, new ProblemException(Problem.of(401, "unauthorized", "Unauthorized",
                    token == null || token.isEmpty() ? "Send 'Authorization: Bearer <token>' with a token from query.auth.tokens."
                            : "The bearer token is not one of query.auth.tokens.")));
            ctx.skipRemainingHandlers();
        }
    }

    private boolean accepted(final String token) {
        final byte[] presented = sha256(token);
        boolean match = false;
        for (byte[] digest : digests) {
            match |= MessageDigest.isEqual(presented, digest);
        }
        return match;
    }

    private static String read(final TokenRef ref, final Map<String, String> env, final String where) {
        final String value;
        if (ref.env() != null) {
            value = env.get(ref.env());
            if (value == null || value.isBlank()) {
                throw new ConfigException(where + ": environment variable " + ref.env() + " is not set");
            }
        } else {
            try {
                value = Files.readString(Path.of(ref.file()), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException(where + ": cannot read token file " + ref.file() + ": " + e.getMessage(), e);
            }
        }
        if (value.strip().length() < 16) {
            throw new ConfigException(where + " (" + ref + "): a query token must have at least 16 characters");
        }
        return value.strip();
    }

    private static byte[] sha256(final String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
