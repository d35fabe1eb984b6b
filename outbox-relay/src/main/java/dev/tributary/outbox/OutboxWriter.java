package dev.tributary.outbox;

import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Appends messages to the service's outbox table. Call it inside the transaction that changes the
 * state the messages describe: the rows commit or roll back together with that change, which is
 * the whole point (no dual writes).
 */
public final class OutboxWriter {

    private final JdbcTemplate jdbc;
    private final String insertSql;

    /**
     * @param jdbc a template on the service's transactional data source
     * @param qualifiedTable the outbox table, e.g. {@code submission.outbox}
     */
    public OutboxWriter(JdbcTemplate jdbc, String qualifiedTable) {
        this.jdbc = jdbc;
        this.insertSql = "INSERT INTO " + qualifiedTable
                + " (id, topic, aggregate_id, type, payload, traceparent) VALUES (?, ?, ?, ?, ?::jsonb, ?)";
    }

    /** Appends one message. */
    public void append(OutboxMessage message) {
        jdbc.update(
                insertSql,
                message.id(),
                message.topic(),
                message.key(),
                message.type(),
                message.payloadJson(),
                message.traceparent());
    }

    /** Appends messages in one JDBC batch, in order. */
    public void appendAll(List<OutboxMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(insertSql, messages, messages.size(), (ps, message) -> {
            ps.setObject(1, message.id());
            ps.setString(2, message.topic());
            ps.setString(3, message.key());
            ps.setString(4, message.type());
            ps.setString(5, message.payloadJson());
            ps.setString(6, message.traceparent());
        });
    }
}
