package dev.tributary.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.testsupport.TestInfra;
import dev.tributary.testsupport.TributaryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./tributary} stopped the way a user stops it (SIGTERM, Ctrl-C): the services stop first,
 * each relay hands over what it relayed, then Kafka, then the embedded PostgreSQL — which must not
 * go away underneath the services while they are still stopping.
 */
class TributaryLauncherStopIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(180);

    @TempDir
    Path home;

    @Test
    void aSigtermStopsTheServicesBeforeTheirDatabase() throws Exception {
        int submissionPort = TestInfra.freePort();
        Path log = home.resolve("tributary.log");
        ProcessBuilder builder = new ProcessBuilder(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-Xmx512m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        TributaryLauncher.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment()
                .putAll(Map.of(
                        "TRIBUTARY_HOME", home.resolve("data").toString(),
                        "TRIBUTARY_KAFKA_PORT", Integer.toString(TestInfra.freePort()),
                        "TRIBUTARY_KAFKA_CONTROLLER_PORT", Integer.toString(TestInfra.freePort()),
                        "TRIBUTARY_POSTGRES_PORT", Integer.toString(TestInfra.freePort()),
                        "TRIBUTARY_SUBMISSION_PORT", Integer.toString(submissionPort),
                        "TRIBUTARY_SCHEDULER_PORT", "0",
                        "TRIBUTARY_WORKER_PORT", "0",
                        "TRIBUTARY_PARTITIONS", "2"));
        Process process = builder.start();
        try {
            await("the launcher prints its banner (log " + log + ")")
                    .atMost(WAIT)
                    .failFast("the launcher exited (log " + log + ")", () -> !process.isAlive())
                    .until(() -> Files.readString(log).contains("localhost:" + submissionPort));
            String diamond = Files.readString(Path.of("../../docs/examples/diamond.json"));
            TributaryClient.onPort(submissionPort).submit(diamond).awaitStatus("SUCCEEDED");

            process.destroy(); // SIGTERM
            assertThat(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .as("stopped (log %s)", log)
                    .isTrue();
        } finally {
            process.destroyForcibly();
        }

        List<String> lines = Files.readAllLines(log);
        int stopping = indexOf(lines, "Stopping Tributary...");
        assertThat(stopping).as("the stop began").isNotNegative();
        List<String> afterStop = lines.subList(stopping, lines.size());
        int submissionRelay = indexOf(afterStop, "Outbox relay submission stopped and released leadership");
        int schedulerRelay = indexOf(afterStop, "Outbox relay scheduler stopped and released leadership");
        int database = indexOf(afterStop, "shut down postmaster");
        assertThat(submissionRelay).as("the submission relay stopped cleanly").isNotNegative();
        assertThat(schedulerRelay).as("the scheduler relay stopped cleanly").isNotNegative();
        assertThat(database)
                .as("PostgreSQL stopped after both relays")
                .isGreaterThan(Math.max(submissionRelay, schedulerRelay));
        assertThat(afterStop)
                .as("no service met a closed database while stopping")
                .noneMatch(line -> line.contains("PSQLException")
                        || line.contains("This connection has been closed")
                        || line.contains("Connection refused"));
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
