package dev.tributary.submission.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent.CompensationOutcome;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.history.WorkflowEvent.WorkflowFailed;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.submission.ApiClient;
import dev.tributary.submission.HistoryLog;
import dev.tributary.testsupport.TestInfra;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/v1/workflows}: filters, newest-first order and cursor paging over workflows
 * submitted over HTTP and workflows that came from the history log. Each test scopes its
 * workflows by a label of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WorkflowListIntegrationTests {

    private static final HistoryLog LOG = new HistoryLog("list_it", 2);
    private static final Instant T0 = Instant.parse("2026-02-01T08:00:00Z");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        LOG.register(registry, "list_it");
    }

    @AfterAll
    static void closeProducer() {
        LOG.close();
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
    void filtersByStatusNameAndLabelsNewestFirst() {
        String run = TestInfra.uniqueName("run");
        String running = fromLog("nightly", Map.of("run", run, "team", "a"), T0.plusSeconds(1));
        String succeeded = fromLog("nightly", Map.of("run", run, "team", "b"), T0.plusSeconds(2));
        String failed = fromLog("adhoc", Map.of("run", run, "team", "a"), T0.plusSeconds(3));
        fromLog("nightly", Map.of("run", "another", "team", "a"), T0.plusSeconds(4));
        LOG.send(new WorkflowSucceeded(WorkflowId.of(succeeded), T0.plusSeconds(20)));
        LOG.send(new WorkflowFailed(
                WorkflowId.of(failed),
                TaskId.of("t"),
                "task 't' failed",
                CompensationOutcome.NONE,
                T0.plusSeconds(30)));
        String accepted = TestInfra.uniqueName("http");
        assertThat(api.submit("""
                        {"id": "%s", "name": "nightly", "labels": {"run": "%s", "team": "a"},
                         "tasks": [{"id": "t", "type": "noop"}, {"id": "u", "type": "noop"}]}
                        """.formatted(accepted, run)).status()).isEqualTo(201);
        LOG.awaitCaughtUp(jdbc);
        String byRun = "label=" + encode("run:" + run);

        assertThat(ids(list(byRun))).containsExactly(accepted, failed, succeeded, running);
        assertThat(ids(list(byRun + "&status=RUNNING"))).containsExactly(running);
        assertThat(ids(list(byRun + "&status=succeeded,FAILED"))).containsExactly(failed, succeeded);
        assertThat(ids(list(byRun + "&status=ACCEPTED&status=RUNNING"))).containsExactly(accepted, running);
        assertThat(ids(list(byRun + "&name=nightly"))).containsExactly(accepted, succeeded, running);
        assertThat(ids(list(byRun + "&label=team:a"))).containsExactly(accepted, failed, running);
        assertThat(ids(list(byRun + "&label=team:a&name=nightly&status=RUNNING")))
                .containsExactly(running);
        assertThat(ids(list(byRun + "&label=team:c"))).isEmpty();

        JsonNode page = list(byRun);
        assertThat(page.has("next")).as("next is always present").isTrue();
        assertThat(page.get("next").isNull()).isTrue();
        JsonNode first = page.get("items").get(0);
        assertThat(first.get("name").asString()).isEqualTo("nightly");
        assertThat(first.get("status").asString()).isEqualTo("ACCEPTED");
        assertThat(first.get("taskCount").asInt()).isEqualTo(2);
        assertThat(first.get("labels").get("team").asString()).isEqualTo("a");
        assertThat(first.has("tasks")).as("summaries carry no tasks").isFalse();
        JsonNode failedItem = page.get("items").get(1);
        assertThat(failedItem.get("status").asString()).isEqualTo("FAILED");
        assertThat(failedItem.get("reason").asString()).isEqualTo("task 't' failed");
        assertThat(Instant.parse(failedItem.get("finishedAt").asString())).isEqualTo(T0.plusSeconds(30));
        assertThat(Instant.parse(failedItem.get("createdAt").asString())).isEqualTo(T0.plusSeconds(3));
    }

    @Test
    void pagingWithAfterVisitsEveryWorkflowExactlyOnceNewestFirst() {
        String run = TestInfra.uniqueName("paging");
        record Created(String id, Instant at) {}
        List<Created> created = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            Instant at = T0.plusSeconds(i / 3); // three at a time share a creation time
            created.add(new Created(fromLog("paged", Map.of("run", run), at), at));
        }
        LOG.awaitCaughtUp(jdbc);
        List<String> expected = created.stream()
                .sorted(Comparator.comparing(Created::at)
                        .thenComparing(Created::id, WorkflowListIntegrationTests::postgresOrder)
                        .reversed())
                .map(Created::id)
                .toList();

        List<String> visited = new ArrayList<>();
        Set<String> cursors = new HashSet<>();
        String after = null;
        int pages = 0;
        do {
            JsonNode page = list(
                    "label=" + encode("run:" + run) + "&limit=5" + (after == null ? "" : "&after=" + encode(after)));
            pages++;
            assertThat(page.get("items").size()).isLessThanOrEqualTo(5);
            visited.addAll(ids(page));
            JsonNode next = page.get("next");
            after = next.isNull() ? null : next.asString();
            if (after != null) {
                assertThat(cursors.add(after)).as("cursors move forward").isTrue();
            }
        } while (after != null && pages < 20);

        assertThat(pages).isEqualTo(5);
        assertThat(visited).containsExactlyElementsOf(expected);
        assertThat(visited).doesNotHaveDuplicates().hasSize(23);
        assertThat(ids(list("label=" + encode("run:" + run) + "&limit=500"))).containsExactlyElementsOf(expected);
    }

    @Test
    void badParametersAre400ProblemsNamingEachParameter() {
        Map<String, String> cases = Map.of(
                "limit=0", "limit",
                "limit=501", "limit",
                "limit=ten", "limit",
                "after=not-a-cursor", "after",
                "status=DONE", "status",
                "label=nocolon", "label",
                "name=", "name");
        cases.forEach((query, parameter) -> {
            ApiClient.Response response = api.get("/api/v1/workflows?" + query);
            assertThat(response.status()).as(query).isEqualTo(400);
            assertThat(response.isProblem()).as(query).isTrue();
            JsonNode problem = response.json();
            assertThat(problem.get("type").asString()).isEqualTo("https://tributary.dev/problems/invalid-query");
            assertThat(problem.get("errors").get(0).get("parameter").asString())
                    .as(query)
                    .isEqualTo(parameter);
            assertThat(problem.get("detail").asString()).as(query).contains(parameter);
        });

        JsonNode several =
                api.get("/api/v1/workflows?limit=-1&status=NOPE&after=x").json();
        assertThat(several.get("errors")
                        .valueStream()
                        .map(e -> e.get("parameter").asString()))
                .containsExactly("status", "limit", "after");
        assertThat(several.get("errors").get(0).get("reason").asString()).contains("'NOPE'");
    }

    // --- helpers ---

    /** A workflow accepted on the log at {@code acceptedAt} (as if submitted elsewhere). */
    private static String fromLog(String name, Map<String, String> labels, Instant acceptedAt) {
        String id = TestInfra.uniqueName(name);
        WorkflowDefinition definition = new WorkflowDefinition(
                name,
                null,
                labels,
                null,
                null,
                List.of(new TaskDefinition(TaskId.of("t"), "noop", null, null, null, null, null)));
        LOG.send(new WorkflowAccepted(WorkflowId.of(id), definition, acceptedAt));
        return id;
    }

    private JsonNode list(String query) {
        ApiClient.Response response = api.get("/api/v1/workflows?" + query);
        assertThat(response.status()).as(query + ": " + response.body()).isEqualTo(200);
        return response.json();
    }

    private static List<String> ids(JsonNode page) {
        return page.get("items")
                .valueStream()
                .map(item -> item.get("id").asString())
                .toList();
    }

    private static String encode(@Nullable String value) {
        return URLEncoder.encode(String.valueOf(value), StandardCharsets.UTF_8);
    }

    /** The embedded server's collation is C: byte order, which for these ASCII ids is String order. */
    private static int postgresOrder(String a, String b) {
        return a.compareTo(b);
    }
}
