package dev.tributary.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** The same id with the same definition is the same workflow; with another definition, a conflict. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class IdempotencyIntegrationTests {

    private static final String TWO_TASKS = """
            {"id": "%s", "name": "pipeline", "input": {"n": 1},
             "tasks": [{"id": "a", "type": "t"}, {"id": "b", "type": "t", "dependsOn": ["a"]}]}
            """;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        SubmissionDatabase.register(registry, "submission_idem");
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    @Test
    void identicalReplayAnswers200WithTheExistingWorkflow() {
        String body = TWO_TASKS.formatted("replay-1");
        ApiClient.Response first = api.submit(body);

        ApiClient.Response second = api.submit(body);

        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.location()).isEmpty();
        assertThat(second.json()).isEqualTo(first.json());
        assertThat(rowsOf("replay-1")).containsExactly(1L, 2L, 1L);
    }

    @Test
    void replayDifferingOnlyInMemberOrderWhitespaceAndExplicitNullsIsTheSameWorkflow() {
        ApiClient.Response first = api.submit(TWO_TASKS.formatted("replay-2"));

        ApiClient.Response second = api.submit("""
                {"tasks": [{"type": "t", "id": "a", "retry": null},
                           {"dependsOn": ["a"], "type": "t", "id": "b", "input": null}],
                 "labels": null, "input": {"n": 1}, "name": "pipeline", "id": "replay-2", "timeout": null}
                """);

        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(200);
        assertThat(rowsOf("replay-2")).containsExactly(1L, 2L, 1L);
    }

    @Test
    void sameIdWithDifferentTasksIsA409ProblemNamingTheWorkflowAndTheDifference() {
        assertThat(api.submit(TWO_TASKS.formatted("conflict-1")).status()).isEqualTo(201);

        ApiClient.Response response = api.submit("""
                {"id": "conflict-1", "name": "pipeline", "input": {"n": 1},
                 "tasks": [{"id": "a", "type": "t"}, {"id": "c", "type": "t", "dependsOn": ["a"]}]}
                """);

        assertThat(response.status()).isEqualTo(409);
        assertThat(response.isProblem()).isTrue();
        JsonNode problem = response.json();
        assertThat(problem.get("workflowId").asString()).isEqualTo("conflict-1");
        assertThat(problem.get("detail").asString()).contains("conflict-1");
        assertThat(problem.get("differences").valueStream().map(JsonNode::asString))
                .containsExactly("tasks added: c", "tasks removed: b");
        assertThat(rowsOf("conflict-1")).containsExactly(1L, 2L, 1L);
        assertThat(api.getWorkflow("conflict-1")
                        .json()
                        .get("tasks")
                        .get(1)
                        .get("id")
                        .asString())
                .isEqualTo("b");
    }

    @Test
    void sameIdWithAnotherInputIsA409NamingTheField() {
        assertThat(api.submit(TWO_TASKS.formatted("conflict-2")).status()).isEqualTo(201);

        ApiClient.Response response =
                api.submit(TWO_TASKS.formatted("conflict-2").replace("\"n\": 1", "\"n\": 2"));

        assertThat(response.status()).isEqualTo(409);
        assertThat(response.json().get("differences").valueStream().map(JsonNode::asString))
                .containsExactly("input differs");
    }

    @Test
    void concurrentIdenticalSubmissionsCreateExactlyOneWorkflow() throws Exception {
        String body = TWO_TASKS.formatted("concurrent-1");
        int clients = 20;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> statuses = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            for (int i = 0; i < clients; i++) {
                statuses.add(pool.submit(() -> {
                    start.await();
                    return api.submit(body).status();
                }));
            }
            start.countDown();
            List<Integer> answered = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                answered.add(status.get(120, TimeUnit.SECONDS));
            }

            assertThat(answered).filteredOn(status -> status == 201).hasSize(1);
            assertThat(answered).filteredOn(status -> status == 200).hasSize(clients - 1);
        }
        assertThat(rowsOf("concurrent-1")).containsExactly(1L, 2L, 1L);
    }

    /** Workflow, task and outbox rows of one workflow id. */
    private List<Long> rowsOf(String id) {
        return List.of(
                SubmissionDatabase.count(jdbc, "SELECT count(*) FROM submission.workflow WHERE id = ?", id),
                SubmissionDatabase.count(jdbc, "SELECT count(*) FROM submission.task WHERE workflow_id = ?", id),
                SubmissionDatabase.count(jdbc, "SELECT count(*) FROM submission.outbox WHERE aggregate_id = ?", id));
    }
}
