package dev.tributary.submission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A failure while writing the outbox row rolls back the workflow and task rows written before it
 * in the same transaction. A trigger in this test's own database rejects outbox rows of workflows
 * whose id starts with {@code doomed-}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SubmissionRollbackIntegrationTests {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        SubmissionDatabase.register(registry, "submission_rollback");
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    ApiClient api;

    @BeforeEach
    void rejectDoomedOutboxRows() {
        api = new ApiClient(port);
        jdbc.execute("""
                CREATE OR REPLACE FUNCTION submission.reject_doomed_outbox_row() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                  RAISE EXCEPTION 'test trigger rejects the outbox row of %', NEW.aggregate_id;
                END $$
                """);
        jdbc.execute("DROP TRIGGER IF EXISTS reject_doomed ON submission.outbox");
        jdbc.execute("""
                CREATE TRIGGER reject_doomed BEFORE INSERT ON submission.outbox
                FOR EACH ROW WHEN (NEW.aggregate_id LIKE 'doomed-%')
                EXECUTE FUNCTION submission.reject_doomed_outbox_row()
                """);
    }

    @Test
    void failingOutboxInsertRollsBackTheWorkflowAndItsTasks() {
        ApiClient.Response response = api.submit("""
                {"id": "doomed-1", "name": "never stored",
                 "tasks": [{"id": "a", "type": "t"}, {"id": "b", "type": "t", "dependsOn": ["a"]}]}
                """);

        assertThat(response.status()).isEqualTo(500);
        assertThat(response.isProblem()).isTrue();
        assertThat(response.json().get("detail").asString()).contains("nothing was stored");
        assertThat(SubmissionDatabase.count(jdbc, "SELECT count(*) FROM submission.workflow WHERE id = 'doomed-1'"))
                .isZero();
        assertThat(SubmissionDatabase.count(
                        jdbc, "SELECT count(*) FROM submission.task WHERE workflow_id = 'doomed-1'"))
                .isZero();
        assertThat(SubmissionDatabase.count(
                        jdbc, "SELECT count(*) FROM submission.outbox WHERE aggregate_id = 'doomed-1'"))
                .isZero();
        assertThat(api.getWorkflow("doomed-1").status()).isEqualTo(404);
    }

    @Test
    void theSameIdCanBeSubmittedAgainOnceTheFailureIsGone() {
        String body = """
                {"id": "doomed-2", "name": "second chance", "tasks": [{"id": "a", "type": "t"}]}
                """;
        assertThat(api.submit(body).status()).isEqualTo(500);

        jdbc.execute("DROP TRIGGER reject_doomed ON submission.outbox");

        assertThat(api.submit(body).status()).isEqualTo(201);
        assertThat(SubmissionDatabase.count(
                        jdbc, "SELECT count(*) FROM submission.outbox WHERE aggregate_id = 'doomed-2'"))
                .isOne();
    }
}
