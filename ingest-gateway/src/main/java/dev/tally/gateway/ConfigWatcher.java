package dev.tally.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the config file (and the secret files it names) and hands each changed version to a
 * reloader. The file's directory is watched for changes, and the content is also compared every
 * {@code interval}, which catches what a watch can miss (a Kubernetes ConfigMap's symlink swap, a
 * file system without notifications). Reloads happen on this watcher's one thread.
 */
final class ConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);

    private final Path file;
    private final Duration interval;
    private final Function<Path, List<Path>> reload;
    private final Thread thread;
    private WatchService watch;
    private volatile boolean running = true;
    private List<Path> watched;
    private byte[] fingerprint;

    /**
     * @param reload loads the file and applies it, returning the secret files the new config names;
     *               throws when the file is invalid (the previous config then stays in force)
     */
    ConfigWatcher(final Path file, final Duration interval, final List<Path> secretFiles, final Function<Path, List<Path>> reload) {
        this.file = file.toAbsolutePath();
        this.interval = interval;
        this.reload = reload;
        this.watched = files(secretFiles);
        this.fingerprint = fingerprint(watched);
        try {
            this.watch = FileSystems.getDefault().newWatchService();
            this.file.getParent().register(watch, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
        } catch (IOException | RuntimeException e) {
            LOG.info("cannot watch {} ({}); checking it every {} ms instead", this.file, e.getMessage(), interval.toMillis());
            this.watch = null;
        }
        this.thread = new Thread(this::run, "gateway-config-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private List<Path> files(final List<Path> secretFiles) {
        return Stream.concat(Stream.of(file), secretFiles.stream()).distinct().toList();
    }

    private void run() {
        while (running) {
            try {
                if (watch != null) {
                    final var key = watch.poll(interval.toMillis(), TimeUnit.MILLISECONDS);
                    if (key != null) {
                        key.pollEvents();
                        key.reset();
                        // Let the writer finish: editors and deploy tools write in more than one step.
                        Thread.sleep(Math.min(100, interval.toMillis()));
                    }
                } else {
                    Thread.sleep(interval.toMillis());
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            checkNow();
        }
    }

    /** Reloads if the file or a secret file changed since the last check. */
    synchronized void checkNow() {
        final byte[] now = fingerprint(watched);
        if (Arrays.equals(now, fingerprint)) {
            return;
        }
        fingerprint = now;
        try {
            final List<Path> secretFiles = reload.apply(file);
            watched = files(secretFiles);
            fingerprint = fingerprint(watched);
        } catch (RuntimeException e) {
            LOG.atWarn().addKeyValue("config", file.toString())
                    .log("config file changed but cannot be used; the previous sources stay in force: {}", e.getMessage());
        }
    }

    private static byte[] fingerprint(final List<Path> files) {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (final Path f : files) {
                digest.update(f.toString().getBytes(StandardCharsets.UTF_8));
                try {
                    digest.update(Files.readAllBytes(f));
                } catch (IOException e) {
                    digest.update(Objects.toString(e.getClass()).getBytes(StandardCharsets.UTF_8));
                }
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        if (watch != null) {
            try {
                watch.close();
            } catch (IOException e) {
                LOG.debug("closing the config watch: {}", e.getMessage());
            }
        }
    }
}
