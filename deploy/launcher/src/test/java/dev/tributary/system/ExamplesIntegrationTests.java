package dev.tributary.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testsupport.TributaryClient.Workflow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The README's examples (docs/examples) end the way the README says they do. */
class ExamplesIntegrationTests {

    private static TestSystem system;

    @BeforeAll
    static void start() {
        system = TestSystem.start("examples");
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    private static Workflow submit(String example) {
        try {
            return system.client.submit(Files.readString(Path.of("../../docs/examples/" + example)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void successfulExamplesSucceed() {
        for (String example : new String[] {"diamond.json", "fan-out-fan-in.json", "retries.json"}) {
            JsonNode finished = submit(example).awaitStatus("SUCCEEDED");
            assertThat(finished.get("tasks"))
                    .as(example)
                    .allSatisfy(
                            task -> assertThat(task.get("status").asString()).isEqualTo("SUCCEEDED"));
        }
    }

    @Test
    void failingExampleFailsNamingTheTaskAndSkipsWhatFollows() {
        Workflow workflow = submit("failing.json");
        JsonNode failed = workflow.awaitStatus("FAILED");

        assertThat(failed.get("failedTask").asString()).isEqualTo("charge");
        assertThat(workflow.taskStatus("ship")).isEqualTo("SKIPPED");
    }

    @Test
    void sagaExampleCompensatesInReverseOrder() {
        Workflow workflow = submit("saga.json");
        JsonNode failed = workflow.awaitStatus("FAILED");

        assertThat(failed.get("compensation").asString()).isEqualTo("COMPENSATED");
        assertThat(failed.get("failedTask").asString()).isEqualTo("book-courier");
        for (String task : new String[] {"reserve-stock", "charge-card"}) {
            JsonNode view = workflow.task(task);
            assertThat(view.get("status").asString()).as(task).isEqualTo("SUCCEEDED");
            assertThat(view.at("/compensationProgress/status").asString())
                    .as(task)
                    .isEqualTo("SUCCEEDED");
        }
        assertThat(workflow.task("charge-card")
                        .at("/compensationProgress/output/compensates/output/input/amount")
                        .asDouble())
                .as("the refund saw what the charge returned")
                .isEqualTo(12.5);
    }

    @Test
    void longRunningExampleCanBeCancelledAndRerun() {
        Workflow workflow = submit("long-running.json");
        Awaitility.await("both waits running")
                .atMost(Duration.ofSeconds(120))
                .ignoreExceptions()
                .until(() -> workflow.taskStatus("wait-a").equals("RUNNING")
                        && workflow.taskStatus("wait-b").equals("RUNNING"));

        assertThat(workflow.cancel("changed my mind").statusCode()).isEqualTo(202);
        workflow.awaitStatus("CANCELLED");
        assertThat(workflow.taskStatus("report")).isEqualTo("SKIPPED");

        assertThat(workflow.retry("try again").statusCode()).isEqualTo(202);
        Awaitility.await("rerun running again")
                .atMost(Duration.ofSeconds(120))
                .ignoreExceptions()
                .until(() -> workflow.taskStatus("wait-a").equals("RUNNING"));
        assertThat(workflow.task("wait-a").get("attempt").asInt())
                .as("the rerun is a new attempt")
                .isEqualTo(2);
        assertThat(workflow.cancel(null).statusCode()).isEqualTo(202);
        workflow.awaitStatus("CANCELLED");
    }
}
