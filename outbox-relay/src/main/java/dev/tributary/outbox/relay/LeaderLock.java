package dev.tributary.outbox.relay;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL session advisory lock held on a dedicated connection: whoever holds it is the one
 * relay of an outbox. The lock lives exactly as long as the session, so when the leader's process
 * dies or its connection is killed, PostgreSQL releases it and a standby's next {@link
 * #tryAcquire()} wins. Not thread-safe: the relay's supervisor thread owns it.
 */
final class LeaderLock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaderLock.class);

    private final DatabaseConnection database;
    private final String applicationName;
    private final long key;
    private @Nullable Connection connection;
    private volatile boolean held;
    private volatile int backendPid = -1;

    private final int socketTimeoutSeconds;

    /**
     * @param checkTimeout how long a liveness check may take; reads on the lock connection time out
     *     a little later, so that a silently dropped network cannot hang the check
     */
    LeaderLock(DatabaseConnection database, String slotName, Duration checkTimeout) {
        this.database = database;
        this.socketTimeoutSeconds = (int) Math.max(5, checkTimeout.toSeconds() * 2);
        this.applicationName = "tributary-outbox-lock-" + slotName;
        this.key = keyFor(slotName);
    }

    /** A stable 64-bit lock key for a slot name (first 8 bytes of its SHA-256). */
    static long keyFor(String slotName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("tributary-outbox-relay:" + slotName).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    long key() {
        return key;
    }

    /** Tries once to take the lock, (re)connecting if needed; never throws. */
    boolean tryAcquire() {
        if (held) {
            return true;
        }
        try {
            Connection current = connection;
            if (current == null || current.isClosed()) {
                current = database.open(applicationName, socketTimeoutSeconds);
                current.setAutoCommit(true);
                connection = current;
                backendPid = queryBackendPid(current);
            }
            try (PreparedStatement statement = current.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                statement.setLong(1, key);
                try (ResultSet result = statement.executeQuery()) {
                    held = result.next() && result.getBoolean(1);
                }
            }
            return held;
        } catch (SQLException e) {
            log.debug("Leader lock attempt failed: {}", e.getMessage());
            closeQuietly();
            return false;
        }
    }

    /**
     * Whether the lock is still ours: the connection answers within the timeout. A dead
     * connection means PostgreSQL has released (or will release) the lock.
     */
    boolean isAlive(Duration timeout) {
        Connection current = connection;
        if (!held || current == null) {
            return false;
        }
        try (Statement statement = current.createStatement()) {
            statement.setQueryTimeout(Math.max(1, (int) timeout.toSeconds()));
            try (ResultSet result = statement.executeQuery("SELECT 1")) {
                return result.next();
            }
        } catch (SQLException e) {
            log.debug("Leader lock connection check failed: {}", e.getMessage());
            return false;
        }
    }

    /** The backend process id of the lock connection, or -1 when not connected. */
    int backendPid() {
        return connection == null ? -1 : backendPid;
    }

    boolean isHeld() {
        return held;
    }

    /** Releases the lock (if the connection still works) and closes the connection. */
    @Override
    public void close() {
        Connection current = connection;
        if (held && current != null) {
            try (PreparedStatement statement = current.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                statement.setLong(1, key);
                statement.setQueryTimeout(2);
                statement.execute();
            } catch (SQLException e) {
                log.debug("Leader lock release failed (closing the session releases it): {}", e.getMessage());
            }
        }
        closeQuietly();
    }

    private void closeQuietly() {
        held = false;
        backendPid = -1;
        Connection current = connection;
        connection = null;
        if (current != null) {
            try {
                current.close();
            } catch (SQLException e) {
                log.debug("Closing the leader lock connection failed: {}", e.getMessage());
            }
        }
    }

    private static int queryBackendPid(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT pg_backend_pid()")) {
            result.next();
            return result.getInt(1);
        }
    }
}
