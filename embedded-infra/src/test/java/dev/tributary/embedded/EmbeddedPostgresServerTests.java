package dev.tributary.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
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

    @Test
    void startsOnADataDirectoryWhoseServerWasLeftRunningByAKilledProcess() throws Exception {
        Path data = Files.createDirectories(dataDirectory.resolve("orphaned"));
        // Another JVM starts a server, writes a row, and is killed with SIGKILL: its PostgreSQL
        // child keeps running on the data directory, as after kill -9 of the launcher.
        Process jvm = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElseThrow(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        PostgresInAnotherJvm.class.getName(),
                        data.toString())
                .redirectErrorStream(true)
                .start();
        try (BufferedReader output = new BufferedReader(new InputStreamReader(jvm.getInputStream()))) {
            String line;
            while ((line = output.readLine()) != null && !line.equals(PostgresInAnotherJvm.READY)) {
                // start-up logging
            }
            assertThat(line).as("the other JVM's server became ready").isEqualTo(PostgresInAnotherJvm.READY);
            jvm.destroyForcibly();
            jvm.waitFor();
        }

        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(0, data);
                Connection connection = server.adminDataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT v FROM kept")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("survived");
        }
    }

    private static String setting(Statement statement, String name) throws Exception {
        try (ResultSet rows = statement.executeQuery("SHOW " + name)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
