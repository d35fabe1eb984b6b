package dev.tributary.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.launcher.TributarySystem;
import dev.tributary.launcher.admin.AdminCli;
import dev.tributary.testsupport.TributaryClient.Workflow;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code tributary admin republish} end to end: the history events both outboxes wrote for a
 * finished workflow are produced again with their original ids, and the consumers (scheduler,
 * projection) absorb them: nothing new is decided, the read API shows the same history.
 */
class RepublishSystemIntegrationTests {

    private static final Pattern REPUBLISHED = Pattern.compile("(submission|scheduler)-service: republished (\\d+) ");

    @Test
    void republishedHistoryEventsAreAbsorbedByEveryConsumer() {
        Instant start = Instant.now().minusSeconds(1);
        try (TestSystem system = TestSystem.start("republish");
                History history = new History(system.history())) {
            Workflow workflow = system.client.submit(Dags.diamond("noop").json());
            history.awaitFinished(workflow.id());
            workflow.awaitStatus("SUCCEEDED");
            int projected = workflow.events().size();
            Set<String> ids = ceIds(history.of(workflow.id()));
            int before = history.records(workflow.id()).size();

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = AdminCli.run(
                    List.of(
                            "republish",
                            "--from=" + start,
                            "--to=" + Instant.now().plusSeconds(1),
                            "--topic=" + system.eventsTopic,
                            "--submission-url=http://localhost:" + system.services.port(TributarySystem.SUBMISSION),
                            "--scheduler-url=http://localhost:" + system.services.port(TributarySystem.SCHEDULER)),
                    Map.of(),
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));

            String printed = out.toString(StandardCharsets.UTF_8);
            assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
            Matcher matcher = REPUBLISHED.matcher(printed);
            int republished = 0;
            Set<String> services = new HashSet<>();
            while (matcher.find()) {
                services.add(matcher.group(1));
                republished += Integer.parseInt(matcher.group(2));
            }
            assertThat(services).as(printed).containsExactlyInAnyOrder("submission", "scheduler");
            // WorkflowAccepted from the submission outbox, the scheduler's decisions from its own.
            assertThat(republished).as(printed).isGreaterThanOrEqualTo(2);

            int expected = before + republished;
            Awaitility.await()
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> history.records(workflow.id()).size() >= expected);
            assertThat(ceIds(history.of(workflow.id())))
                    .as("every re-published record carries an id the log already had")
                    .isEqualTo(ids);
            assertThat(workflow.events())
                    .as("the projection deduplicates on ce_id")
                    .hasSize(projected);
            assertThat(workflow.awaitStatus("SUCCEEDED").path("status").asString())
                    .isEqualTo("SUCCEEDED");
        }
    }

    private static Set<String> ceIds(List<History.Entry> entries) {
        Set<String> ids = new HashSet<>();
        entries.forEach(entry -> ids.add(entry.ceId()));
        return ids;
    }
}
