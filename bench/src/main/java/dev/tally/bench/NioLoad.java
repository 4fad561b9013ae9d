package dev.tally.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * Open-loop HTTP/1.1 load from one thread and one selector over keep-alive connections, for rates
 * {@code java.net.http} cannot reach on this machine. Request {@code i} is due at
 * {@code start + i / rate} and its latency counts from then, whether it waited for a free
 * connection or not (coordinated-omission safe). Requests are signed before the run; each
 * connection has one request in flight. Bounded by a count and a time.
 */
final class NioLoad {

    private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(2);
    private static final byte[] HEADER_END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final InetSocketAddress address;
    private final List<byte[]> requests;

    /** {@code count} signed POSTs of {@link Rig#body} to {@code url}, fresh event ids with {@code prefix}. */
    NioLoad(final String url, final String prefix, final int count) {
        final URI uri = URI.create(url);
        this.address = new InetSocketAddress(uri.getHost(), uri.getPort());
        this.requests = new ArrayList<>(count);
        final Instant now = Instant.now();
        for (int i = 0; i < count; i++) {
            final byte[] body = Rig.body(prefix + i, "k" + (i % 1000), now);
            final byte[] head = ("POST " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nContent-Type: application/json\r\nX-Signature: " + Rig.sign(body) + "\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            final byte[] request = new byte[head.length + body.length];
            System.arraycopy(head, 0, request, 0, head.length);
            System.arraycopy(body, 0, request, head.length, body.length);
            requests.add(request);
        }
    }

    /** One keep-alive connection and the request it has in flight. */
    private static final class Conn {
        SocketChannel channel;
        SelectionKey key;
        ByteBuffer out;
        // An answer here is a few hundred bytes; 256 connections of 64 KiB each were 16 MiB of young garbage per run.
        final ByteBuffer in = ByteBuffer.allocate(8 * 1024);
        long intended = -1;
    }

    /**
     * Sends {@code rate * duration} requests at fixed intended times over {@code connections}
     * connections; stops sending at {@code duration * 2} and waits at most {@code timeout} for the
     * last answers.
     */
    Load.Result openLoop(final String label, final double rate, final Duration duration, final int connections,
                         final int okStatus, final Duration timeout) {
        final long planned = Math.max(1, (long) (rate * duration.toMillis() / 1000.0));
        final double periodNanos = 1e9 / rate;
        final Histogram latency = new Histogram(MAX_MICROS, 3);
        final Load.Progress progress = new Load.Progress(label, planned);
        try (Selector selector = Selector.open()) {
            final ArrayDeque<Conn> idle = new ArrayDeque<>();
            for (int c = 0; c < connections; c++) {
                idle.add(connect(new Conn(), selector));
            }
            // Intended send times not yet sent (a ring of primitives: no boxing per request).
            final long[] due = new long[(int) Math.min(planned, 1 << 22)];
            int dueHead = 0;
            int dueCount = 0;
            long next = 0;
            long sent = 0;
            long ok = 0;
            long failed = 0;
            long lastDone = 0;
            final long start = System.nanoTime();
            final long stopSending = start + duration.toNanos() * 2;
            long deadline = stopSending + timeout.toNanos();
            while (ok + failed < sent || next < planned) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    break;
                }
                if (now >= stopSending && next < planned) {
                    stoppedEarly(next);
                    deadline = Math.min(deadline, now + timeout.toNanos());
                    next = planned;
                    dueCount = 0;
                }
                while (next < planned && dueCount < due.length && start + (long) (next * periodNanos) <= now) {
                    due[(dueHead + dueCount) % due.length] = start + (long) (next * periodNanos);
                    dueCount++;
                    next++;
                }
                while (dueCount > 0 && !idle.isEmpty()) {
                    final Conn conn = idle.poll();
                    conn.intended = due[dueHead];
                    dueHead = (dueHead + 1) % due.length;
                    dueCount--;
                    conn.out = ByteBuffer.wrap(requests.get((int) (sent % requests.size())));
                    sent++;
                    conn.channel.write(conn.out);
                    if (conn.out.hasRemaining()) {
                        conn.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
                    }
                }
                final long untilNext = next < planned && dueCount == 0 ? start + (long) (next * periodNanos) - now : 0;
                final int ready = untilNext >= 2_000_000 ? selector.select(untilNext / 1_000_000 - 1) : selector.selectNow();
                if (ready == 0 && untilNext > 0 && untilNext < 2_000_000) {
                    LockSupport.parkNanos(Math.min(untilNext, 200_000));
                } else if (ready == 0 && untilNext == 0 && ok + failed < sent) {
                    // Everything due is in flight and no connection is free: wait for an answer.
                    selector.select(1);
                }
                now = System.nanoTime();
                for (SelectionKey key : selector.selectedKeys()) {
                    final Conn conn = (Conn) key.attachment();
                    if (key.isValid() && key.isWritable()) {
                        conn.channel.write(conn.out);
                        if (!conn.out.hasRemaining()) {
                            key.interestOps(SelectionKey.OP_READ);
                        }
                    }
                    if (!key.isValid() || !key.isReadable()) {
                        continue;
                    }
                    final int read = conn.channel.read(conn.in);
                    final int status = read < 0 ? -1 : complete(conn.in);
                    if (read < 0 || status != 0) {
                        if (conn.intended >= 0) {
                            if (status == okStatus) {
                                latency.recordValue(Math.min(MAX_MICROS, (now - conn.intended) / 1000));
                                ok++;
                            } else {
                                failed++;
                            }
                            lastDone = now;
                            progress.tick(sent, ok, failed);
                        }
                        conn.intended = -1;
                        conn.in.clear();
                        if (read < 0) {
                            key.cancel();
                            conn.channel.close();
                            connect(conn, selector);
                        }
                        idle.add(conn);
                    }
                }
                selector.selectedKeys().clear();
            }
            failed += sent - ok - failed;
            final double seconds = (Math.max(lastDone, start) - start) / 1e9;
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            return new Load.Result(label, rate, planned, sent, ok, failed, seconds, latency);
        } catch (IOException e) {
            throw new UncheckedIOException("open loop " + label + " against " + address, e);
        }
    }

    private static void stoppedEarly(final long sentSoFar) {
        System.err.printf("  open loop: stopped sending after %d requests at twice the planned duration%n", sentSoFar);
    }

    private Conn connect(final Conn conn, final Selector selector) throws IOException {
        final SocketChannel channel = SocketChannel.open(address);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
        conn.channel = channel;
        conn.key = channel.register(selector, SelectionKey.OP_READ, conn);
        return conn;
    }

    /** The status of the response in {@code in} once it is complete (headers and body); 0 while it is not. */
    static int complete(final ByteBuffer in) {
        final byte[] b = in.array();
        final int length = in.position();
        final int headerEnd = indexOf(b, 0, length, HEADER_END);
        if (headerEnd < 0) {
            return 0;
        }
        final String head = new String(b, 0, headerEnd, StandardCharsets.US_ASCII);
        final int status = Integer.parseInt(head.substring(9, 12));
        final int bodyStart = headerEnd + HEADER_END.length;
        for (String line : head.split("\r\n")) {
            final int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            final String name = line.substring(0, colon).trim();
            final String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                return length - bodyStart >= Integer.parseInt(value) ? status : 0;
            }
            if (name.equalsIgnoreCase("Transfer-Encoding") && value.equalsIgnoreCase("chunked")) {
                return indexOf(b, bodyStart - 2, length, LAST_CHUNK) >= 0 ? status : 0;
            }
        }
        return status;
    }

    private static int indexOf(final byte[] b, final int from, final int to, final byte[] what) {
        outer:
        for (int i = Math.max(0, from); i <= to - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (b[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
