package dev.tributary.outbox.republish;

import dev.tributary.outbox.relay.OutboxRecords;
import dev.tributary.outbox.relay.OutboxRecords.Row;
import dev.tributary.outbox.relay.OutboxRelayProperties;
import dev.tributary.outbox.relay.OutboxRelayProperties.RelayMode;
import dev.tributary.outbox.relay.RelayProducer;
import dev.tributary.outbox.relay.SendRounds;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-publishes the retained outbox rows whose {@code created_at} lies in {@code [from, to)}: reads
 * them in keyset pages ordered by {@code (created_at, id)} (the order the relays publish in, so a
 * key's events keep their order) and produces each page with the relay's idempotent producer and
 * its own row → record mapping ({@link OutboxRecords}: same topic, key, value, {@code ce_id} and
 * headers as the first time), waiting for every acknowledgement before reading the next page. An
 * event Kafka can never accept goes to the dead-letter topic, as the relays do.
 *
 * <p>It reads only what is still in the table: the Debezium relay keeps relayed rows for {@code
 * tributary.outbox.retention}; the polling relay deletes rows once Kafka acknowledged them, so in
 * polling mode there is nothing relayed left to re-publish ({@link Result#complete()} is false).
 */
public final class OutboxRepublisher {

    private static final Logger log = LoggerFactory.getLogger(OutboxRepublisher.class);

    private final OutboxRelayProperties properties;
    private final DataSource dataSource;
    private final String bootstrapServers;
    private final int pageSize;
    private final Clock clock;
    private final String oldestSql;

    /**
     * @param dataSource the service's data source, holding the outbox table
     * @param pageSize rows read and produced per page
     */
    public OutboxRepublisher(
            OutboxRelayProperties properties,
            DataSource dataSource,
            String bootstrapServers,
            int pageSize,
            Clock clock) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be positive");
        }
        this.properties = properties;
        this.dataSource = dataSource;
        this.bootstrapServers = bootstrapServers;
        this.pageSize = pageSize;
        this.clock = clock;
        this.oldestSql = "SELECT min(created_at) FROM " + properties.qualifiedTable();
    }

    /**
     * What to re-publish: rows created in {@code [from, to)}, of one topic or all.
     *
     * @param topic only rows for this topic; {@code null} for every topic
     */
    public record Range(Instant from, Instant to, @Nullable String topic) {

        public Range {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            if (!from.isBefore(to)) {
                throw new IllegalArgumentException("to must be after from");
            }
        }
    }

    /**
     * What a re-publish did.
     *
     * @param republished rows produced and acknowledged (dead-lettered ones included)
     * @param deadLettered rows Kafka rejected for good, sent to the dead-letter topic instead
     * @param oldestRetained the oldest {@code created_at} in the outbox when the re-publish started
     * @param complete whether every row ever written in the range was still in the table: false when
     *     the range starts before both the oldest retained row and the retention cutoff (the
     *     retention job may have deleted rows of it), and always in polling mode
     * @param byTopic rows produced per destination topic
     */
    public record Result(
            Range range,
            long republished,
            long deadLettered,
            @Nullable Instant oldestRetained,
            boolean complete,
            Map<String, Long> byTopic) {}

    /** Kafka did not acknowledge a record; what was acknowledged before stays published. */
    public static final class RepublishFailedException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final long republished;

        RepublishFailedException(String message, long republished, Throwable cause) {
            super(message, cause);
            this.republished = republished;
        }

        /** Rows produced and acknowledged before the failure. */
        public long republished() {
            return republished;
        }
    }

    /** Whether relayed rows are kept at all (not in polling mode). */
    public boolean retainsRelayedRows() {
        return properties.relayMode() == RelayMode.DEBEZIUM;
    }

    /** The oldest {@code created_at} in the outbox, or null when it is empty. */
    public @Nullable Instant oldestRetained() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(oldestSql);
                ResultSet result = statement.executeQuery()) {
            OffsetDateTime oldest = result.next() ? result.getObject(1, OffsetDateTime.class) : null;
            return oldest == null ? null : oldest.toInstant();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the outbox " + properties.qualifiedTable(), e);
        }
    }

    /**
     * Re-publishes the range and waits for every acknowledgement.
     *
     * @throws RepublishFailedException when Kafka did not acknowledge a record (nothing is lost:
     *     running it again re-publishes the same records with the same ids)
     */
    public Result republish(Range range) {
        Instant now = clock.instant();
        Instant oldest = oldestRetained();
        Map<String, Long> byTopic = new TreeMap<>();
        long republished = 0;
        long deadLettered = 0;
        Row last = null;
        try (RelayProducer producer = new RelayProducer(properties, bootstrapServers)) {
            while (true) {
                List<Row> page = page(range, last);
                List<ProducerRecord<byte[], byte[]>> records = page.stream()
                        .map(row -> OutboxRecords.record(row, properties.source()))
                        .toList();
                for (List<Integer> round : SendRounds.of(records)) {
                    List<Future<RecordMetadata>> sent = new ArrayList<>(round.size());
                    for (int i : round) {
                        sent.add(send(producer, records.get(i)));
                    }
                    for (int n = 0; n < round.size(); n++) {
                        int i = round.get(n);
                        Future<RecordMetadata> future = sent.get(n);
                        Row row = page.get(i);
                        Throwable error = await(future);
                        if (error instanceof InvalidTopicException || error instanceof RecordTooLargeException) {
                            log.warn(
                                    "Re-published outbox event {} for topic '{}' can never be produced ({}); sending it to {}",
                                    row.id(),
                                    row.topic(),
                                    error.toString(),
                                    properties.deadLetterTopic());
                            error = await(send(
                                    producer,
                                    OutboxRecords.deadLetter(
                                            records.get(i), error, properties.source(), properties.deadLetterTopic())));
                            deadLettered += error == null ? 1 : 0;
                        }
                        if (error != null) {
                            throw new RepublishFailedException(
                                    "Kafka did not acknowledge outbox event " + row.id() + " to " + row.topic() + ": "
                                            + error,
                                    republished,
                                    error);
                        }
                        republished++;
                        byTopic.merge(row.topic(), 1L, Long::sum);
                    }
                }
                if (page.size() < pageSize) {
                    break;
                }
                last = page.getLast();
            }
        }
        boolean complete = retainsRelayedRows()
                && (!range.from().isBefore(now.minus(properties.retention()))
                        || (oldest != null && !range.from().isBefore(oldest)));
        log.info(
                "Re-published {} outbox events of {} created in [{}, {}){} (complete: {})",
                republished,
                properties.qualifiedTable(),
                range.from(),
                range.to(),
                range.topic() == null ? "" : " for topic " + range.topic(),
                complete);
        return new Result(range, republished, deadLettered, oldest, complete, Map.copyOf(byTopic));
    }

    /** The next page after {@code last} (keyset on {@code (created_at, id)}). */
    private List<Row> page(Range range, @Nullable Row last) {
        StringBuilder sql = new StringBuilder("SELECT ")
                .append(OutboxRecords.COLUMNS)
                .append(" FROM ")
                .append(properties.qualifiedTable())
                .append(" WHERE created_at >= ? AND created_at < ?");
        if (range.topic() != null) {
            sql.append(" AND topic = ?");
        }
        if (last != null) {
            sql.append(" AND (created_at, id) > (?, ?)");
        }
        sql.append(" ORDER BY created_at, id LIMIT ?");
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            int index = 1;
            statement.setObject(index++, range.from().atOffset(ZoneOffset.UTC));
            statement.setObject(index++, range.to().atOffset(ZoneOffset.UTC));
            if (range.topic() != null) {
                statement.setString(index++, range.topic());
            }
            if (last != null) {
                statement.setObject(index++, last.createdAt().atOffset(ZoneOffset.UTC));
                statement.setObject(index++, last.id());
            }
            statement.setInt(index, pageSize);
            List<Row> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(OutboxRecords.row(result));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the outbox " + properties.qualifiedTable(), e);
        }
    }

    /** A synchronous failure (invalid topic, metadata timeout) becomes a failed future. */
    private static Future<RecordMetadata> send(RelayProducer producer, ProducerRecord<byte[], byte[]> record) {
        try {
            return producer.send(record);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The send's failure, or null once acknowledged (the producer's delivery timeout bounds it). */
    private static @Nullable Throwable await(Future<RecordMetadata> future) {
        try {
            future.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }
}
