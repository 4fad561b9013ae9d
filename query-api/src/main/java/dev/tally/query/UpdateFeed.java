package dev.tally.query;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.javalin.http.sse.SseClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tally.processor.ProcessorConfig;
import dev.tally.schemas.KeyCounts;
import dev.tally.schemas.Topics;

/**
 * Live count changes for {@code GET /v1/counters/{counter}/stream} (Server-Sent Events). One
 * consumer per query API reads every partition of {@code counts.updates} (committed records only,
 * from the end; no consumer group), so any instance can stream any key. The last
 * {@value #HISTORY} updates are kept so a client that reconnects with {@code Last-Event-ID} gets
 * what it missed; if that id is older, it first receives a {@code reset} event (refetch, then
 * follow). Bounded: at most {@value #MAX_CLIENTS} clients, each with a queue of
 * {@value #CLIENT_QUEUE} updates; a client that falls further behind is disconnected and resumes
 * from the history when it reconnects.
 */
final class UpdateFeed implements AutoCloseable {

    static final int HISTORY = 10_000;
    static final int MAX_CLIENTS = 64;
    static final int CLIENT_QUEUE = 1000;
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
    private static final Logger LOG = LoggerFactory.getLogger(UpdateFeed.class);

    /**
     * One update with its SSE id, {@code partition-offset} in {@code counts.updates}: its counter and
     * key, from the record key ({@link KeyCounts#topicKey}), and its JSON as the processor wrote it.
     * The feed reads every update of every instance, and most go to no client: they are neither
     * parsed nor written again, only sent.
     */
    record Event(String id, String counter, String key, byte[] json) {

        /** The update in {@code r}, or null for a record that is not one (no value, no {@code counter|key} key). */
        static Event of(final ConsumerRecord<String, byte[]> r) {
            final int bar = r.key() == null ? -1 : r.key().indexOf('|');   // counter names never hold '|'; keys may
            if (r.value() == null || bar < 0) {
                return null;
            }
            return new Event(r.partition() + "-" + r.offset(), r.key().substring(0, bar), r.key().substring(bar + 1), r.value());
        }

        String data() {
            return new String(json, StandardCharsets.UTF_8);
        }
    }

    /** Put in every client's queue on close, so that its loop ends now rather than at its next keep-alive. */
    private static final Event CLOSED = new Event("closed", null, null, null);

    private record Subscriber(String counter, String key, BlockingQueue<Event> queue) {
        boolean wants(final Event e) {
            return e.counter().equals(counter) && (key == null || e.key().equals(key));
        }
    }

    private final ProcessorConfig config;
    private final ArrayDeque<Event> history = new ArrayDeque<>();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean closed;
    private Thread poller;

    UpdateFeed(final ProcessorConfig config) {
        this.config = config;
    }

    void start() {
        final Properties p = new Properties();
        p.putAll(config.kafka().clientProperties());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-query-feed-" + config.queryPort());
        consumer = new KafkaConsumer<>(p, Topics.COUNT_UPDATES.keySerde().deserializer(), new ByteArrayDeserializer());
        poller = new Thread(this::run, "query-update-feed");
        poller.setDaemon(true);
        poller.start();
    }

    private void run() {
        try {
            final List<TopicPartition> partitions = partitions();
            if (partitions.isEmpty()) {
                return;   // closed before the topic appeared
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (!closed) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    final Event event = Event.of(r);
                    if (event != null) {
                        publish(event);
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("live update feed stopped; /stream clients get no more updates", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * The partitions of {@link Topics#COUNT_UPDATES}, once the topic is known: just after the
     * processor created it, a broker may not list it yet, and assigning no partitions would end the
     * feed. Empty only when closed first.
     */
    private List<TopicPartition> partitions() {
        final long warnAt = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        boolean warned = false;
        while (!closed) {
            final List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(Topics.COUNT_UPDATES.name(), Duration.ofSeconds(30))
                    .forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
            if (!partitions.isEmpty()) {
                return partitions;
            }
            if (!warned && System.nanoTime() > warnAt) {
                LOG.warn("topic {} not found yet; /stream clients get updates once it exists", Topics.COUNT_UPDATES.name());
                warned = true;
            }
            sleepQuietly();
        }
        return List.of();
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }

    private synchronized void publish(final Event event) {
        history.addLast(event);
        if (history.size() > HISTORY) {
            history.removeFirst();
        }
        for (Subscriber s : subscribers) {
            if (s.wants(event) && !s.queue().offer(event)) {
                subscribers.remove(s);   // too slow: its loop sees it is gone and disconnects it
            }
        }
    }

    /** How many updates the feed holds for resuming clients: what it has read, up to {@value #HISTORY}. */
    synchronized int held() {
        return history.size();
    }

    /** Streams to {@code client} until it disconnects; runs on the request's thread. */
    void subscribe(final SseClient client) {
        final String counter = client.ctx().pathParam("counter");
        if (config.counter(counter) == null) {
            client.sendEvent("error", "{\"detail\":\"No counter named '" + counter + "'.\"}");
            client.close();
            return;
        }
        final Subscriber s = new Subscriber(counter, client.ctx().queryParam("key"), new ArrayBlockingQueue<>(CLIENT_QUEUE));
        if (!register(s, client.ctx().header("Last-Event-ID"), client)) {
            return;
        }
        try {
            client.sendComment("connected");
            while (!client.terminated() && !closed) {
                final Event e = s.queue().poll(KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS);
                if (e == CLOSED) {
                    break;
                } else if (e != null) {
                    client.sendEvent("count", e.data(), e.id());
                } else if (!subscribers.contains(s)) {
                    break;
                } else {
                    client.sendComment("keep-alive");
                }
                if (!subscribers.contains(s) && s.queue().isEmpty()) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            subscribers.remove(s);
            client.close();
        }
    }

    /** Adds {@code s}, first queueing what it missed after {@code lastEventId}; false when full. */
    private synchronized boolean register(final Subscriber s, final String lastEventId, final SseClient client) {
        if (subscribers.size() >= MAX_CLIENTS) {
            client.sendEvent("error", "{\"detail\":\"Too many live clients on this instance; retry later.\"}");
            client.close();
            return false;
        }
        if (lastEventId != null) {
            boolean found = false;
            for (Event e : history) {
                if (found && s.wants(e)) {
                    s.queue().offer(e);
                }
                found |= e.id().equals(lastEventId);
            }
            if (!found) {
                client.sendEvent("reset", "{\"detail\":\"Updates after " + lastEventId.replace("\"", "")
                        + " are no longer held here; refetch the counts.\"}");
            }
        }
        subscribers.add(s);
        return true;
    }

    @Override
    public void close() {
        closed = true;
        for (Subscriber s : subscribers) {
            s.queue().clear();
            s.queue().offer(CLOSED);
        }
        if (consumer != null) {
            consumer.wakeup();
        }
        if (poller != null) {
            try {
                poller.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
