package dev.tributary.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.testsupport.TestInfra;
import dev.tributary.testsupport.TributaryClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The launcher as a user runs it: its own embedded Kafka and PostgreSQL under a data folder, the
 * three services, a workflow over HTTP; then a stop and a start on the same folder keep it.
 */
class TributaryLauncherIntegrationTests {

    @TempDir
    Path home;

    @Test
    void runsAWorkflowAndKeepsItAcrossARestart() throws IOException {
        Map<String, String> environment = Map.of(
                "TRIBUTARY_HOME",
                home.toString(),
                "TRIBUTARY_KAFKA_PORT",
                Integer.toString(TestInfra.freePort()),
                "TRIBUTARY_KAFKA_CONTROLLER_PORT",
                Integer.toString(TestInfra.freePort()),
                "TRIBUTARY_POSTGRES_PORT",
                Integer.toString(TestInfra.freePort()),
                "TRIBUTARY_SUBMISSION_PORT",
                "0",
                "TRIBUTARY_SCHEDULER_PORT",
                "0",
                "TRIBUTARY_WORKER_PORT",
                "0",
                "TRIBUTARY_PARTITIONS",
                "2");
        String diamond = Files.readString(Path.of("../../docs/examples/diamond.json"));

        String id;
        try (TributaryLauncher launcher = new TributaryLauncher(LauncherSettings.fromEnvironment(environment))) {
            launcher.start();
            assertThat(launcher.banner()).contains("localhost:" + environment.get("TRIBUTARY_KAFKA_PORT"), "curl");
            TributaryClient client = TributaryClient.onPort(launcher.system().port(TributarySystem.SUBMISSION));
            TributaryClient.Workflow workflow = client.submit(diamond);
            id = workflow.id();
            JsonNode finished = workflow.awaitStatus("SUCCEEDED");
            assertThat(finished.get("tasks")).hasSize(4);
        }
        assertThat(home.resolve("postgres")).isDirectory();
        assertThat(home.resolve("kafka")).isDirectory();

        try (TributaryLauncher launcher = new TributaryLauncher(LauncherSettings.fromEnvironment(environment))) {
            launcher.start();
            TributaryClient client = TributaryClient.onPort(launcher.system().port(TributarySystem.SUBMISSION));
            JsonNode again = client.getJson("/api/v1/workflows/" + id);
            assertThat(again.get("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(again.get("tasks"))
                    .allSatisfy(
                            task -> assertThat(task.get("status").asString()).isEqualTo("SUCCEEDED"));
            // And it still runs new work after the restart.
            client.submit(diamond.replace("\"diamond\"", "\"diamond-again\"")).awaitStatus("SUCCEEDED");
        }
    }
}
