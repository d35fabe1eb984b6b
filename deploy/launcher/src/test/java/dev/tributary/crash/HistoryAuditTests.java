package dev.tributary.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.crash.HistoryLog.Entry;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HistoryAuditTests {

    private static final String ID = "wf-1";
    private static final WorkflowId WORKFLOW = new WorkflowId(ID);
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private final List<Entry> history = new ArrayList<>();
    private int sequence;

    @Test
    void aCleanHistoryHasNoProblemsAndCountsRedeliveredRecordsAsDuplicates() {
        accepted();
        String release = release("a", 1);
        history.add(history.get(history.size() - 1)); // the same record delivered again
        succeed("a", 1);
        release("b", 1);
        succeed("b", 1);
        release("c", 1);
        succeed("c", 1);
        release("d", 1);
        succeed("d", 1);
        add(new WorkflowEvent.WorkflowSucceeded(WORKFLOW, NOW));

        HistoryAudit.Result result = HistoryAudit.audit(ID, Shape.CHAIN, history);

        assertThat(release).isNotBlank();
        assertThat(result.problems()).isEmpty();
        assertThat(result.duplicates()).isEqualTo(Map.of("TasksDispatched", 1));
    }

    @Test
    void aSecondReleaseOfTheSameAttemptUnderANewCeIdIsAProblem() {
        chainUpTo("a");
        release("a", 1);

        assertThat(HistoryAudit.audit(ID, Shape.CHAIN, finishedChain()).problems())
                .anySatisfy(problem -> assertThat(problem).contains("a/TASK#1 released twice"));
    }

    @Test
    void attemptsWithAHoleAndAnAttemptWithoutResultAreProblems() {
        accepted();
        release("a", 1);
        succeed("a", 1);
        release("b", 2);
        succeed("b", 2);
        release("c", 1);

        assertThat(HistoryAudit.audit(ID, Shape.CHAIN, finishedChain()).problems())
                .anySatisfy(problem -> assertThat(problem).contains("attempts of b/TASK are [2]"))
                .anySatisfy(problem -> assertThat(problem).contains("c/TASK#1 released but never ended"));
    }

    @Test
    void aReportBeforeItsReleaseIsAProblemEvenWhenTheReleaseFollows() {
        chainUpTo("c");
        succeed("d", 1);
        release("d", 1);

        assertThat(HistoryAudit.audit(ID, Shape.CHAIN, finishedChain()).problems())
                .contains(
                        ID + ": TaskStarted of d/TASK#1 before its release (the release is later in the log)",
                        ID + ": TaskSucceeded of d/TASK#1 before its release (the release is later in the log)");
    }

    @Test
    void aDecisionAfterTheTerminalEventIsAProblemButARepeatedResultIsAReexecution() {
        chainUpTo("d");
        add(new WorkflowEvent.WorkflowSucceeded(WORKFLOW, NOW));
        succeed("d", 1);
        release("a", 2);

        HistoryAudit.Result result = HistoryAudit.audit(ID, Shape.CHAIN, history);

        assertThat(result.reexecutions()).isEqualTo(1);
        assertThat(result.problems()).containsExactly(ID + ": TasksDispatched after the terminal WorkflowSucceeded");
    }

    @Test
    void aFailingWorkflowMustFailAtItsFailingTaskAndASucceedingOneMustSucceed() {
        accepted();
        release("prepare", 1);
        succeed("prepare", 1);
        add(new WorkflowEvent.WorkflowFailed(
                WORKFLOW, new TaskId("prepare"), "failed", WorkflowEvent.CompensationOutcome.NONE, NOW));

        assertThat(HistoryAudit.audit(ID, Shape.FAIL, history).problems())
                .singleElement()
                .asString()
                .contains("should fail at charge");
        assertThat(HistoryAudit.audit(ID, Shape.CHAIN, history).problems())
                .anySatisfy(problem -> assertThat(problem).contains("should succeed"));
    }

    private void chainUpTo(String last) {
        accepted();
        for (String task : List.of("a", "b", "c", "d")) {
            release(task, 1);
            succeed(task, 1);
            if (task.equals(last)) {
                return;
            }
        }
    }

    private List<Entry> finishedChain() {
        add(new WorkflowEvent.WorkflowSucceeded(WORKFLOW, NOW));
        return history;
    }

    private void accepted() {
        add(new WorkflowEvent.WorkflowAccepted(
                WORKFLOW, new WorkflowDefinition("chain", null, Map.of(), null, null, List.of()), NOW));
    }

    private String release(String task, int attempt) {
        return add(new WorkflowEvent.TasksDispatched(
                WORKFLOW,
                List.of(new WorkflowEvent.DispatchedTask(new TaskId(task), "noop", attempt, TaskKind.TASK, null)),
                NOW));
    }

    private void succeed(String task, int attempt) {
        add(new WorkflowEvent.TaskStarted(WORKFLOW, new TaskId(task), attempt, TaskKind.TASK, "w", NOW));
        add(new WorkflowEvent.TaskSucceeded(WORKFLOW, new TaskId(task), attempt, TaskKind.TASK, null, "w", NOW));
    }

    private String add(WorkflowEvent event) {
        String ceId = "ce-" + ++sequence;
        history.add(new Entry(ceId, event, sequence, 0, sequence));
        return ceId;
    }
}
