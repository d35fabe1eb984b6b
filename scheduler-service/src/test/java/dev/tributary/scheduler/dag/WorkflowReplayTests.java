package dev.tributary.scheduler.dag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.DispatchedTask;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.TasksDispatched;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.scheduler.dag.Decision.Dispatch;
import dev.tributary.scheduler.dag.Decision.Emit;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * ARCHITECTURE §4.4: the scheduler's state is a pure function of the log. A rebuild folds the log
 * with decisions suppressed and then persists {@link WorkflowStateMachine#pending}, which must be
 * exactly the decisions the live scheduler had taken but the log does not show yet.
 */
class WorkflowReplayTests {

    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    private final WorkflowStateMachine machine = new WorkflowStateMachine();

    @Test
    void replayingTheWholeLogRebuildsTheLiveStateAndLeavesNothingPending() {
        Simulation live = new Simulation(7, 200).run();

        WorkflowRun rebuilt = replay(live.consumed);

        assertThat(rebuilt).isEqualTo(live.finalRun());
        assertThat(machine.pending(rebuilt, NOW)).isEmpty();
    }

    @Test
    void replayStoppedAnywhereHoldsTheLiveStateAndReissuesOnlyWhatTheLogDoesNotShow() {
        Simulation live = new Simulation(11, 60).run();
        Random random = new Random(11);
        for (int probe = 0; probe < 200; probe++) {
            int cut = 1 + random.nextInt(live.consumed.size());
            List<WorkflowEvent> prefix = live.consumed.subList(0, cut);

            WorkflowRun rebuilt = replay(prefix);

            assertThat(rebuilt).isEqualTo(live.states.get(cut - 1));
            List<Decision> pending = machine.pending(rebuilt, NOW);
            assertThat(reissuedTasks(pending)).as("cut %d", cut).isEqualTo(unloggedReleases(live, cut));
            boolean outcomeUnlogged = live.decisionsAt.subList(0, cut).stream()
                            .flatMap(List::stream)
                            .anyMatch(Emit.class::isInstance)
                    && prefix.stream().noneMatch(WorkflowSucceeded.class::isInstance);
            assertThat(pending.stream().anyMatch(Emit.class::isInstance)).isEqualTo(outcomeUnlogged);
        }
    }

    @Test
    void reissuedReleaseCarriesTheSameAttemptsAndIdempotencyKeys() {
        Simulation live = new Simulation(3, 30).run();
        Dispatch original = (Dispatch) live.decisionsAt.getFirst().getFirst();

        WorkflowRun rebuilt = replay(live.consumed.subList(0, 1));
        Dispatch reissued = (Dispatch) machine.pending(rebuilt, NOW).getFirst();

        assertThat(reissued.commands()).isEqualTo(original.commands());
        assertThat(reissued.event().tasks()).isEqualTo(original.event().tasks());
        assertThat(reissued.event().dispatchedAt()).isEqualTo(NOW);
        WorkflowRun confirmed = machine.apply(rebuilt, reissued.event()).run();
        assertThat(confirmed).isNotNull();
        assertThat(machine.pending(confirmed, NOW)).isEmpty();
    }

    private WorkflowRun replay(List<WorkflowEvent> log) {
        @Nullable WorkflowRun run = null;
        for (WorkflowEvent event : log) {
            run = machine.apply(run, event).run(); // replay mode: decisions are not persisted
        }
        assertThat(run).isNotNull();
        return run;
    }

    private static Set<TaskId> reissuedTasks(List<Decision> pending) {
        Set<TaskId> tasks = new HashSet<>();
        pending.stream()
                .filter(Dispatch.class::isInstance)
                .map(Dispatch.class::cast)
                .forEach(d -> d.event().tasks().forEach(t -> tasks.add(t.taskId())));
        return tasks;
    }

    /**
     * Tasks released while consuming the first {@code cut} events whose {@code TasksDispatched}
     * is not among them and that no worker reported started or finished by then.
     */
    private static Set<TaskId> unloggedReleases(Simulation live, int cut) {
        Set<TaskId> decided = new HashSet<>();
        live.decisionsAt.subList(0, cut).stream()
                .flatMap(List::stream)
                .filter(Dispatch.class::isInstance)
                .map(Dispatch.class::cast)
                .forEach(d ->
                        d.event().tasks().stream().map(DispatchedTask::taskId).forEach(decided::add));
        for (WorkflowEvent event : live.consumed.subList(0, cut)) {
            switch (event) {
                case TasksDispatched logged -> logged.tasks().forEach(t -> decided.remove(t.taskId()));
                case TaskStarted started -> decided.remove(started.taskId());
                case TaskSucceeded succeeded -> decided.remove(succeeded.taskId());
                default -> {}
            }
        }
        return decided;
    }
}
