package dev.tributary.submission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.WorkflowSubmission;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.submission.intake.UuidV7;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SubmissionIntegrationTests {

    static final String ORDER = """
            {
              "id": "%s",
              "name": "fulfil order",
              "input": {"orderId": 4711, "express": true},
              "labels": {"team": "checkout"},
              "timeout": "PT2H",
              "taskDefaults": {"retry": {"maxAttempts": 3, "initialBackoff": "PT1S"}},
              "tasks": [
                {"id": "reserve", "type": "inventory.reserve", "compensation": {"type": "inventory.release"}},
                {"id": "charge", "type": "payment.charge", "dependsOn": ["reserve"],
                 "retry": {"maxAttempts": 5, "backoffMultiplier": 2.0}, "timeout": {"startToClose": "PT10S"}},
                {"id": "pack", "type": "warehouse.pack", "dependsOn": ["reserve"], "input": {"box": "M"}},
                {"id": "ship", "type": "shipping.ship", "dependsOn": ["charge", "pack"]}
              ]
            }
            """;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        SubmissionDatabase.register(registry, "submission_it");
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
    void acceptedSubmissionAnswers201WithLocationAndTheWorkflow() {
        ApiClient.Response response = api.submit(ORDER.formatted("order-201"));

        assertThat(response.status()).isEqualTo(201);
        assertThat(response.contentType())
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(response.location()).hasValue("/api/v1/workflows/order-201");
        JsonNode body = response.json();
        assertThat(body.get("id").asString()).isEqualTo("order-201");
        assertThat(body.get("name").asString()).isEqualTo("fulfil order");
        assertThat(body.get("status").asString()).isEqualTo("ACCEPTED");
        assertThat(body.get("input").get("orderId").asInt()).isEqualTo(4711);
        assertThat(body.get("labels").get("team").asString()).isEqualTo("checkout");
        assertThat(body.get("timeout").asString()).isEqualTo("PT2H");
        assertThat(body.get("taskDefaults").get("retry").get("initialBackoff").asString())
                .isEqualTo("PT1S");
        assertThat(Instant.parse(body.get("createdAt").asString()))
                .isEqualTo(Instant.parse(body.get("updatedAt").asString()));
        JsonNode tasks = body.get("tasks");
        assertThat(tasks.size()).isEqualTo(4);
        assertThat(tasks.valueStream().map(task -> task.get("id").asString()))
                .containsExactly("reserve", "charge", "pack", "ship");
        assertThat(tasks.valueStream().map(task -> task.get("status").asString()))
                .containsOnly("WAITING");
        JsonNode charge = tasks.get(1);
        assertThat(charge.get("type").asString()).isEqualTo("payment.charge");
        assertThat(charge.get("dependsOn").get(0).asString()).isEqualTo("reserve");
        assertThat(charge.get("retry").get("maxAttempts").asInt()).isEqualTo(5);
        assertThat(charge.get("timeout").get("startToClose").asString()).isEqualTo("PT10S");
        assertThat(tasks.get(0).get("dependsOn").isEmpty()).isTrue();
        assertThat(tasks.get(0).get("compensation").get("type").asString()).isEqualTo("inventory.release");
        assertThat(tasks.get(0).has("retry")).as("absent fields are omitted").isFalse();
    }

    @Test
    void getReturnsTheWorkflowAsPosted() {
        ApiClient.Response created = api.submit(ORDER.formatted("order-get"));

        ApiClient.Response fetched = api.get(created.location().orElseThrow());

        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.json()).isEqualTo(created.json());
    }

    @Test
    void getOfAnUnknownIdIsA404ProblemNamingTheId() {
        ApiClient.Response response = api.getWorkflow("no-such-workflow");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.isProblem()).isTrue();
        JsonNode problem = response.json();
        assertThat(problem.get("status").asInt()).isEqualTo(404);
        assertThat(problem.get("title").asString()).isEqualTo("Workflow not found");
        assertThat(problem.get("detail").asString()).contains("no-such-workflow");
        assertThat(problem.get("workflowId").asString()).isEqualTo("no-such-workflow");
    }

    @Test
    void publishesItsOpenApiDescriptionAndSwaggerUi() {
        ApiClient.Response apiDocs = api.get("/v3/api-docs", "application/json");

        assertThat(apiDocs.status()).isEqualTo(200);
        JsonNode paths = apiDocs.json().get("paths");
        assertThat(paths.has("/api/v1/workflows")).isTrue();
        assertThat(paths.has("/api/v1/workflows/{id}")).isTrue();
        assertThat(paths.get("/api/v1/workflows/{id}/cancel")
                        .get("post")
                        .get("responses")
                        .has("409"))
                .isTrue();
        assertThat(paths.get("/api/v1/workflows/{id}/retry")
                        .get("post")
                        .get("responses")
                        .has("202"))
                .isTrue();
        assertThat(paths.get("/api/v1/workflows").get("post").get("requestBody").toString())
                .contains("WorkflowSubmission");
        assertThat(api.get("/swagger-ui.html", "text/html").status()).isIn(200, 302);
    }

    @Test
    void problemsReachClientsThatAcceptOnlyJson() {
        ApiClient.Response response = api.get("/api/v1/workflows/still-unknown", "application/json");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.json().get("workflowId").asString()).isEqualTo("still-unknown");
    }

    @Test
    void storesTheWorkflowItsTasksAndExactlyOneWorkflowAcceptedOutboxRow() {
        String body = ORDER.formatted("order-outbox");
        ApiClient.Response response = api.submit(body);
        assertThat(response.status()).isEqualTo(201);

        assertThat(SubmissionDatabase.count(
                        jdbc, "SELECT count(*) FROM submission.workflow WHERE id = ?", "order-outbox"))
                .isOne();
        assertThat(jdbc.queryForList(
                        "SELECT task_id, status FROM submission.task WHERE workflow_id = ? ORDER BY position",
                        "order-outbox"))
                .containsExactly(
                        Map.of("task_id", "reserve", "status", "WAITING"),
                        Map.of("task_id", "charge", "status", "WAITING"),
                        Map.of("task_id", "pack", "status", "WAITING"),
                        Map.of("task_id", "ship", "status", "WAITING"));
        var rows = jdbc.queryForList(
                "SELECT id, topic, aggregate_id, type, payload::text AS payload FROM submission.outbox"
                        + " WHERE aggregate_id = ?",
                "order-outbox");
        assertThat(rows).hasSize(1);
        var row = rows.getFirst();
        assertThat(row.get("topic")).isEqualTo("tributary.workflow-events");
        assertThat(row.get("aggregate_id")).isEqualTo("order-outbox");
        assertThat(row.get("type")).isEqualTo(EventTypes.of(WorkflowAccepted.class));
        assertThat(((UUID) row.get("id")).version()).isEqualTo(7);

        WorkflowEvent event = EventCodec.json()
                .decodeEvent((String) row.get("type"), ((String) row.get("payload")).getBytes(StandardCharsets.UTF_8));
        assertThat(event).isInstanceOf(WorkflowAccepted.class);
        WorkflowAccepted accepted = (WorkflowAccepted) event;
        assertThat(accepted.workflowId().value()).isEqualTo("order-outbox");
        assertThat(accepted.definition())
                .isEqualTo(
                        EventCodec.json().decode(body, WorkflowSubmission.class).definition());
        assertThat(accepted.acceptedAt())
                .isEqualTo(Instant.parse(response.json().get("createdAt").asString()));
        assertThat(accepted.origin()).isEqualTo(WorkflowEvent.Origin.http());
    }

    @Test
    void serverAssignsAUuidV7WhenTheSubmissionHasNoId() {
        long before = System.currentTimeMillis();
        ApiClient.Response response = api.submit("""
                {"name": "no id", "tasks": [{"id": "only", "type": "noop"}]}
                """);
        long after = System.currentTimeMillis();

        assertThat(response.status()).isEqualTo(201);
        String id = response.json().get("id").asString();
        UUID uuid = UUID.fromString(id);
        assertThat(uuid.version()).isEqualTo(7);
        assertThat(uuid.variant()).isEqualTo(2);
        assertThat(UuidV7.timestampMillis(uuid)).isBetween(before, after);
        assertThat(response.location()).hasValue("/api/v1/workflows/" + id);
        assertThat(api.getWorkflow(id).status()).isEqualTo(200);
    }
}
