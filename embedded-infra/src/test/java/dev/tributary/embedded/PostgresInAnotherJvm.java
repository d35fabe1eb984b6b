package dev.tributary.embedded;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/** Started as a separate JVM by a test: runs a server on a data directory until it is killed. */
final class PostgresInAnotherJvm {

    static final String READY = "POSTGRES-READY";

    private PostgresInAnotherJvm() {}

    public static void main(String[] args) throws Exception {
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(0, Path.of(args[0]));
        try (Connection connection = server.adminDataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE kept (v text)");
            statement.execute("INSERT INTO kept VALUES ('survived')");
        }
        System.out.println(READY);
        System.out.flush();
        // Runs until the test kills this JVM.
        System.in.read();
    }
}
