package dev.tributary.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresServerTests {

    @TempDir
    Path dataDirectory;

    @Test
    void runsWithLogicalDecodingSettingsAndKeepsDataAcrossRestarts() throws Exception {
        Path data = Files.createDirectories(dataDirectory.resolve("pg"));
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(0, data)) {
            try (Connection connection = server.adminDataSource().getConnection();
                    Statement statement = connection.createStatement()) {
                assertThat(setting(statement, "wal_level")).isEqualTo("logical");
                assertThat(setting(statement, "synchronous_commit")).isEqualTo("on");
                statement.execute("CREATE TABLE kept (v text)");
                statement.execute("INSERT INTO kept VALUES ('still here')");
            }
        }
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(0, data);
                Connection connection = server.adminDataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT v FROM kept")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("still here");
        }
    }

    private static String setting(Statement statement, String name) throws Exception {
        try (ResultSet rows = statement.executeQuery("SHOW " + name)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
