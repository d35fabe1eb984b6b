package dev.tributary.submission;

import dev.tributary.testsupport.TestInfra;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Points a test's Spring context at a fresh database on the shared embedded PostgreSQL (and keeps
 * the outbox relay, when its auto-configuration is present, and the status projection out of these
 * tests: they are about what the intake stores).
 */
public final class SubmissionDatabase {

    private SubmissionDatabase() {}

    /** Registers a new database for the context being built, without the projection. */
    public static void register(DynamicPropertyRegistry registry, String prefix) {
        registerDatabase(registry, prefix);
        registry.add("tributary.submission.projection.enabled", () -> "false");
    }

    /** Registers a new database for the context being built; the relay stays off. */
    public static void registerDatabase(DynamicPropertyRegistry registry, String prefix) {
        String url = TestInfra.newDatabase(prefix);
        registry.add("spring.datasource.url", () -> url);
        registry.add("spring.datasource.username", () -> TestInfra.postgres().username());
        registry.add("spring.datasource.password", () -> TestInfra.postgres().password());
        // These tests stop at the outbox row; relaying it to Kafka is the relay library's to test.
        registry.add("tributary.outbox.enabled", () -> "false");
        // The Kafka intake has tests of its own, each on topics of its own.
        registry.add("tributary.submission.kafka-intake.enabled", () -> "false");
    }

    public static long workflows(JdbcTemplate jdbc) {
        return count(jdbc, "SELECT count(*) FROM submission.workflow");
    }

    public static long tasks(JdbcTemplate jdbc) {
        return count(jdbc, "SELECT count(*) FROM submission.task");
    }

    public static long outboxRows(JdbcTemplate jdbc) {
        return count(jdbc, "SELECT count(*) FROM submission.outbox");
    }

    public static long count(JdbcTemplate jdbc, String sql, Object... args) {
        Long count = jdbc.queryForObject(sql, Long.class, args);
        return count == null ? 0 : count;
    }
}
