package dev.tributary.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testsupport.TributaryClient.Workflow;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * User stories of issue 3 through the public API: workflows submitted over HTTP run to completion
 * on the real services, relays, broker and database, and the history proves the release order.
 */
class DagExecutionIntegrationTests {

    private static TestSystem system;
    private static History history;

    @BeforeAll
    static void start() {
        system = TestSystem.start("dag");
        history = new History(system.history());
    }

    @AfterAll
    static void stop() {
        history.close();
        system.close();
    }

    private static void runsToSuccessInDependencyOrder(Dags dag) {
        Workflow workflow = system.client.submit(dag.json());
        JsonNode finished = workflow.awaitStatus("SUCCEEDED");
        assertThat(finished.get("tasks"))
                .allSatisfy(task -> assertThat(task.get("status").asString()).isEqualTo("SUCCEEDED"));
        History.assertRanInDependencyOrder(history.awaitFinished(workflow.id()), dag.dependencies());
    }

    @Test
    void diamondSucceeds() {
        runsToSuccessInDependencyOrder(Dags.diamond("noop"));
    }

    @Test
    void chainOfTwentySucceeds() {
        runsToSuccessInDependencyOrder(Dags.chain(20, "noop"));
    }

    @Test
    void fanOutOfHundredJoinedByOneSucceeds() {
        runsToSuccessInDependencyOrder(Dags.fanOutFanIn(100, "noop"));
    }

    @Test
    void seededRandomDagOfTwoHundredSucceeds() {
        runsToSuccessInDependencyOrder(Dags.random(200, 20261127L, "noop"));
    }

    @Test
    void outputsReachDependents() {
        Dags dag = Dags.named("echo-chain")
                .task("first", "echo", List.of(), Map.of("greeting", "hello"))
                .task("second", "echo", List.of("first"), Map.of("step", 2))
                .task("third", "echo", List.of("second"), Map.of("step", 3));
        Workflow workflow = system.client.submit(dag.json());
        JsonNode finished = workflow.awaitStatus("SUCCEEDED");

        JsonNode third = task(finished, "third").get("output");
        assertThat(third.at("/input/step").asInt()).isEqualTo(3);
        assertThat(third.at("/upstream/second/input/step").asInt()).isEqualTo(2);
        assertThat(third.at("/upstream/second/upstream/first/input/greeting").asString())
                .isEqualTo("hello");
    }

    @Test
    void taskOfUnhandledTypeStaysDispatchedWithoutBlockingOthers() {
        Workflow stuck = system.client.submit(Dags.named("stuck")
                .task("a", "noop", List.of())
                .task("nobody", "nohandler", List.of("a"))
                .json());
        Workflow other = system.client.submit(Dags.diamond("noop").json());

        other.awaitStatus("SUCCEEDED");
        JsonNode waiting = stuck.awaitStatus("RUNNING");
        org.awaitility.Awaitility.await("task of an unhandled type dispatched")
                .atMost(java.time.Duration.ofSeconds(60))
                .until(() -> stuck.taskStatus("nobody").equals("DISPATCHED"));
        assertThat(task(waiting, "nobody").get("type").asString()).isEqualTo("nohandler");
        assertThat(stuck.get().toString())
                .as("the API names the type that is waiting")
                .contains("nohandler");
        assertThat(stuck.taskStatus("a")).isEqualTo("SUCCEEDED");
    }

    static JsonNode task(JsonNode workflow, String id) {
        for (JsonNode task : workflow.get("tasks")) {
            if (task.get("id").asString().equals(id)) {
                return task;
            }
        }
        throw new AssertionError("no task " + id + " in " + workflow);
    }
}
