package dev.tributary.outbox.polling;

import dev.tributary.outbox.relay.OutboxRecords;
import dev.tributary.outbox.relay.OutboxRecords.Row;
import dev.tributary.outbox.relay.OutboxRelayProperties;
import dev.tributary.outbox.relay.RelayProducer;
import dev.tributary.outbox.relay.SendRounds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a service's outbox by polling the table: each poll is one transaction that locks the
 * oldest rows ({@code ORDER BY created_at, id ... FOR UPDATE SKIP LOCKED}, at most a batch),
 * produces them in that order with the idempotent producer of the Debezium relay (in {@link
 * SendRounds}, so one key's rows reach the log in order across topics too), waits for every
 * acknowledgement and only then deletes the rows and commits. A failed or timed-out send rolls the
 * transaction back: the rows stay and the next poll sends them again (duplicates carry the same
 * {@code ce_id}, which consumers deduplicate). Events Kafka can never accept go to the dead-letter
 * topic.
 *
 * <p>Per-key order: a transaction-scoped advisory lock lets one poll at a time run across all
 * instances, so a second instance cannot skip past rows another has locked and publish a later row
 * of the same key first. {@code SKIP LOCKED} still keeps a poll from waiting on anything else that
 * holds row locks. Records carry the same CloudEvents headers as the Debezium relay's, and the same
 * meters ({@code tributary.outbox.relayed}, {@code tributary.outbox.relay.lag}).
 */
public final class PollingOutboxRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PollingOutboxRelay.class);
    private static final Object WAKE = new Object();
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final OutboxRelayProperties properties;
    private final DataSource dataSource;
    private final String bootstrapServers;
    private final long lockKey;
    private final String selectSql;
    private final String deleteSql;
    private final Counter relayed;
    private final Counter retries;
    private final Timer lag;
    private final LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    private final Object lifecycle = new Object();

    private @Nullable Thread poller;
    private volatile boolean stopRequested;

    /**
     * @param dataSource the service's data source (one connection per poll)
     * @param registry where the meters go; {@code null} for none
     */
    public PollingOutboxRelay(
            OutboxRelayProperties properties,
            DataSource dataSource,
            String bootstrapServers,
            @Nullable MeterRegistry registry) {
        this.properties = properties;
        this.dataSource = dataSource;
        this.bootstrapServers = bootstrapServers;
        this.lockKey = lockKey(properties.name());
        String table = properties.qualifiedTable();
        this.selectSql = "SELECT " + OutboxRecords.COLUMNS + " FROM " + table
                + " ORDER BY created_at, id LIMIT ? FOR UPDATE SKIP LOCKED";
        this.deleteSql = "DELETE FROM " + table + " WHERE id = ANY (?)";
        MeterRegistry meters = registry == null ? new SimpleMeterRegistry() : registry;
        Tags tags = Tags.of("outbox", properties.name());
        relayed = Counter.builder("tributary.outbox.relayed")
                .description("Outbox events produced to Kafka and acknowledged")
                .tags(tags)
                .register(meters);
        retries = Counter.builder("tributary.outbox.relay.retries")
                .description("Re-send attempts of unacknowledged outbox events (Kafka unavailable or failing)")
                .tags(tags)
                .register(meters);
        lag = Timer.builder("tributary.outbox.relay.lag")
                .description("Time from the outbox row's created_at to the Kafka acknowledgement")
                .tags(tags)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5))
                .register(meters);
    }

    /** Starts polling on a thread of its own; does nothing if already started. */
    public void start() {
        synchronized (lifecycle) {
            if (poller != null) {
                return;
            }
            stopRequested = false;
            signals.clear();
            Thread thread = new Thread(this::run, "tributary-outbox-poller-" + properties.name());
            thread.setDaemon(true);
            poller = thread;
            thread.start();
        }
    }

    /** Stops polling, waiting for the current poll to finish (bounded), and closes the producer. */
    public void stop() {
        synchronized (lifecycle) {
            Thread thread = poller;
            if (thread == null) {
                return;
            }
            stopRequested = true;
            signals.offer(WAKE);
            try {
                thread.join(properties.shutdownTimeout().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn(
                        "Polling outbox relay {} did not stop within {}",
                        properties.name(),
                        properties.shutdownTimeout());
            }
            poller = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public boolean isRunning() {
        synchronized (lifecycle) {
            return poller != null;
        }
    }

    public OutboxRelayProperties properties() {
        return properties;
    }

    private void run() {
        OutboxRelayProperties.Polling polling = properties.polling();
        Duration backoff = properties.sendRetryBackoff();
        try (RelayProducer producer = new RelayProducer(properties, bootstrapServers)) {
            while (!stopRequested) {
                int relayedNow;
                try {
                    relayedNow = pollOnce(producer);
                    backoff = properties.sendRetryBackoff();
                } catch (SQLException | RuntimeException e) {
                    log.warn(
                            "Polling outbox relay {} failed a poll, retrying in {} ms: {}",
                            properties.name(),
                            backoff.toMillis(),
                            String.valueOf(e));
                    retries.increment();
                    producer.reset();
                    await(backoff);
                    backoff =
                            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                    continue;
                }
                if (relayedNow < polling.batchSize()) {
                    await(polling.interval());
                }
            }
        } catch (RuntimeException | Error e) {
            log.error("Polling outbox relay {} stopped", properties.name(), e);
            throw e;
        }
    }

    /**
     * One poll: lock, produce, await the acknowledgements, delete, commit. Returns how many rows it
     * relayed (0 when another instance is polling).
     */
    int pollOnce(RelayProducer producer) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                int relayedNow = pollIn(connection, producer);
                connection.commit();
                return relayedNow;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    private int pollIn(Connection connection, RelayProducer producer) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
            lock.setLong(1, lockKey);
            try (ResultSet result = lock.executeQuery()) {
                if (!result.next() || !result.getBoolean(1)) {
                    return 0;
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(selectSql)) {
            select.setInt(1, properties.polling().batchSize());
            try (ResultSet result = select.executeQuery()) {
                while (result.next()) {
                    rows.add(OutboxRecords.row(result));
                }
            }
        }
        if (rows.isEmpty()) {
            return 0;
        }
        List<ProducerRecord<byte[], byte[]>> records =
                rows.stream().map(this::record).toList();
        long deadline = System.nanoTime() + properties.polling().sendTimeout().toNanos();
        for (List<Integer> round : SendRounds.of(records)) {
            List<Future<RecordMetadata>> futures = new ArrayList<>(round.size());
            for (int i : round) {
                futures.add(send(producer, records.get(i)));
            }
            for (int n = 0; n < round.size(); n++) {
                int i = round.get(n);
                Future<RecordMetadata> future = futures.get(n);
                Throwable error = await(future, deadline);
                if (error instanceof InvalidTopicException || error instanceof RecordTooLargeException) {
                    error = await(send(producer, deadLetter(rows.get(i), error)), deadline);
                }
                if (error != null) {
                    throw new IllegalStateException(
                            "outbox event " + rows.get(i).id() + " to "
                                    + rows.get(i).topic() + " not acknowledged: " + error,
                            error);
                }
            }
        }
        Instant now = Instant.now();
        try (PreparedStatement delete = connection.prepareStatement(deleteSql)) {
            Array ids =
                    connection.createArrayOf("uuid", rows.stream().map(Row::id).toArray());
            delete.setArray(1, ids);
            delete.executeUpdate();
        }
        for (Row row : rows) {
            Duration sinceCreated = Duration.between(row.createdAt(), now);
            lag.record(sinceCreated.isNegative() ? Duration.ZERO : sinceCreated);
        }
        relayed.increment(rows.size());
        return rows.size();
    }

    /** The same record the Debezium relay produces for this row. */
    private ProducerRecord<byte[], byte[]> record(Row row) {
        return OutboxRecords.record(row, properties.source());
    }

    private ProducerRecord<byte[], byte[]> deadLetter(Row row, Throwable reason) {
        log.warn(
                "Outbox event {} for topic '{}' can never be produced ({}); sending it to {}",
                row.id(),
                row.topic(),
                reason,
                properties.deadLetterTopic());
        return OutboxRecords.deadLetter(record(row), reason, properties.source(), properties.deadLetterTopic());
    }

    /** A synchronous failure (invalid topic, metadata timeout) becomes a failed future. */
    private static Future<RecordMetadata> send(RelayProducer producer, ProducerRecord<byte[], byte[]> record) {
        try {
            return producer.send(record);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The send's failure, or null once acknowledged; a timeout counts as a failure. */
    private static @Nullable Throwable await(Future<RecordMetadata> future, long deadlineNanos) {
        try {
            future.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (TimeoutException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    private void await(Duration timeout) {
        try {
            signals.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopRequested = true;
        }
    }

    /** A stable 64-bit advisory lock key for an outbox name. */
    static long lockKey(String outboxName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("tributary-outbox-poller:" + outboxName).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
