package dev.tributary.system;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The rows of a service's state tables as text, sorted, without the columns that record when or how
 * often a row was written rather than what the log says ({@code version}, {@code updated_at}, the
 * projection's event sequence): two snapshots are equal when two folds of the same log agree.
 */
final class StateSnapshot {

    /** Columns that count writes or carry the database clock, not the folded log. */
    private static final Set<String> VOLATILE = Set.of("version", "updated_at", "seq");

    /** The scheduler's state: runs, stored outputs, armed timers. */
    static final List<String> SCHEDULER = List.of("scheduler.workflow_run", "scheduler.task_output", "scheduler.timer");

    /** The submission service's projection (the workflow rows hold both the intake and the projection). */
    static final List<String> PROJECTION =
            List.of("submission.workflow", "submission.task", "submission.workflow_event");

    private StateSnapshot() {}

    /** Table → sorted rows, each row column → text (null as {@code null}). */
    static Map<String, List<String>> of(TestSystem system, List<String> tables) {
        Map<String, List<String>> snapshot = new LinkedHashMap<>();
        try (Connection connection = DriverManager.getConnection(
                        system.infra.jdbcUrl(), system.infra.username(), system.infra.password());
                Statement statement = connection.createStatement()) {
            for (String table : tables) {
                List<String> rows = new ArrayList<>();
                try (ResultSet result = statement.executeQuery("SELECT * FROM " + table)) {
                    ResultSetMetaData columns = result.getMetaData();
                    while (result.next()) {
                        Map<String, String> row = new TreeMap<>();
                        for (int i = 1; i <= columns.getColumnCount(); i++) {
                            String column = columns.getColumnName(i);
                            if (!VOLATILE.contains(column)) {
                                row.put(column, String.valueOf(result.getString(i)));
                            }
                        }
                        rows.add(row.toString());
                    }
                }
                rows.sort(null);
                snapshot.put(table, rows);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + tables, e);
        }
        return snapshot;
    }

    /** A single number from the system's database, e.g. a count. */
    static long number(TestSystem system, String sql) {
        try (Connection connection = DriverManager.getConnection(
                        system.infra.jdbcUrl(), system.infra.username(), system.infra.password());
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot run " + sql, e);
        }
    }
}
