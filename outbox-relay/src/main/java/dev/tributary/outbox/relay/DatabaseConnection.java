package dev.tributary.outbox.relay;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * Where the outbox lives: a PostgreSQL JDBC URL plus credentials. The relay opens its own
 * connections from it (the leader lock needs a dedicated connection that no pool may recycle) and
 * hands host, port and database to Debezium.
 *
 * @param jdbcUrl e.g. {@code jdbc:postgresql://localhost:5432/tributary}
 * @param username the user; it needs the REPLICATION attribute (or to be a superuser)
 * @param password the password, empty for none
 */
public record DatabaseConnection(String jdbcUrl, String username, String password) {

    public DatabaseConnection {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(username, "username");
        password = password == null ? "" : password;
        if (Driver.parseURL(jdbcUrl, null) == null) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
        }
    }

    /** The first host of the URL. */
    public String host() {
        return first(parsed().getProperty("PGHOST", "localhost"));
    }

    /** The first port of the URL. */
    public int port() {
        return Integer.parseInt(first(parsed().getProperty("PGPORT", "5432")));
    }

    public String database() {
        return Objects.requireNonNull(parsed().getProperty("PGDBNAME"), "database name in " + jdbcUrl);
    }

    /** Opens a new connection that belongs to the caller, tagged with an application name. */
    Connection open(String applicationName, int socketTimeoutSeconds) throws SQLException {
        Properties info = new Properties();
        info.setProperty("user", username);
        info.setProperty("password", password);
        info.setProperty("ApplicationName", applicationName);
        info.setProperty("tcpKeepAlive", "true");
        info.setProperty("connectTimeout", "5");
        info.setProperty("socketTimeout", String.valueOf(socketTimeoutSeconds));
        return DriverManager.getConnection(jdbcUrl, info);
    }

    /** Hides the password. */
    @Override
    public String toString() {
        return "DatabaseConnection[" + jdbcUrl + ", user=" + username + "]";
    }

    private Properties parsed() {
        return Objects.requireNonNull(Driver.parseURL(jdbcUrl, null));
    }

    private static String first(String commaSeparated) {
        int comma = commaSeparated.indexOf(',');
        return comma < 0 ? commaSeparated : commaSeparated.substring(0, comma);
    }
}
