package dev.tributary.benchmark;

import dev.tributary.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The embedded PostgreSQL (zonky, {@code synchronous_commit=on}, {@code wal_level=logical}) the
 * whole run shares, with the few server-wide readings the harness takes: CPU of the postmaster and
 * its backends from {@code /proc}, commits of one database, the WAL position.
 */
final class Postgres implements AutoCloseable {

    private final EmbeddedPostgresServer server;
    private final long postmasterPid;
    private final String dataDirectory;

    Postgres() {
        server = EmbeddedPostgresServer.startTemporary();
        String directory = "";
        long pid = -1;
        try (Connection connection = connect("postgres");
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SHOW data_directory")) {
            result.next();
            directory = result.getString(1);
            List<String> lines = Files.readAllLines(Path.of(directory, "postmaster.pid"));
            pid = Long.parseLong(lines.getFirst().trim());
        } catch (SQLException | IOException | RuntimeException e) {
            System.err.println("PostgreSQL CPU not measured: " + e);
        }
        dataDirectory = directory;
        postmasterPid = pid;
    }

    int port() {
        return server.port();
    }

    String username() {
        return server.username();
    }

    String password() {
        return server.password();
    }

    String jdbcUrl(String database) {
        return server.jdbcUrl(database);
    }

    String dataDirectory() {
        return dataDirectory;
    }

    void createDatabase(String database) {
        server.createDatabase(database);
    }

    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), server.username(), server.password());
    }

    /** CPU ticks of the postmaster and every live backend. */
    long cpuTicks() {
        if (postmasterPid < 0) {
            return 0;
        }
        return ChildProcess.cpuTicks(postmasterPid)
                + ProcessHandle.of(postmasterPid)
                        .map(handle -> handle.descendants()
                                .mapToLong(child -> ChildProcess.cpuTicks(child.pid()))
                                .sum())
                        .orElse(0L);
    }

    @Override
    public void close() {
        server.close();
    }
}
