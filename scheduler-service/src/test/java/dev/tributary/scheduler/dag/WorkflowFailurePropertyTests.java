package dev.tributary.scheduler.dag;

import static dev.tributary.scheduler.dag.Workflows.T0;
import static dev.tributary.scheduler.dag.Workflows.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.definition.Compensation;
import dev.tributary.events.definition.RetryPolicy;
import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.TaskTimeout;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelRequested;
import dev.tributary.events.history.WorkflowEvent.WorkflowRetryRequested;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.scheduler.dag.Decision.CancelAttempt;
import dev.tributary.scheduler.dag.Decision.CancelTimer;
import dev.tributary.scheduler.dag.Decision.Dispatch;
import dev.tributary.scheduler.dag.Decision.Emit;
import dev.tributary.scheduler.dag.Decision.ScheduleTimer;
import dev.tributary.scheduler.dag.Decision.TimerKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random DAGs with compensations, retries, timeouts and a deadline, driven by workers that fail at
 * random, timers that fire at random moments, cancel and rerun requests, and redelivered events.
 * Whatever happens, the run is never left running or compensating with nothing to wait for, no
 * task or compensation is released out of order, and replaying the log rebuilds the same state.
 */
class WorkflowFailurePropertyTests {

    private final WorkflowStateMachine machine = new WorkflowStateMachine();

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 30);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void runNeverGetsStuckAndReleasesInOrderWhateverFailsAndWhenever(long seed) {
        Random random = new Random(seed);
        WorkflowId id = WorkflowId.of("wf-" + seed);
        WorkflowDefinition definition = definition(random);
        Dag dag = Dag.of(definition);
        Deque<WorkflowEvent> log = new ArrayDeque<>();
        List<WorkflowEvent> consumed = new ArrayList<>();
        List<TaskDispatch> inbox = new ArrayList<>();
        List<TaskDispatch> running = new ArrayList<>();
        Map<TimerKey, WorkflowEvent> timers = new LinkedHashMap<>();
        log.add(new WorkflowAccepted(id, definition, T0));
        @Nullable WorkflowRun run = null;
        int reruns = 0;
        long clock = 0;

        for (int step = 0; ; step++) {
            assertThat(step).as("terminates").isLessThan(100_000);
            clock++;
            Instant now = T0.plusSeconds(clock);
            int choice = random.nextInt(6);
            if (!log.isEmpty() && choice <= 1) {
                WorkflowEvent event = log.poll();
                Transition transition = machine.apply(run, event);
                run = transition.run();
                consumed.add(event);
                assertThat(run).isNotNull();
                for (Decision decision : transition.decisions()) {
                    switch (decision) {
                        case Dispatch dispatch -> {
                            checkRelease(dag, run, dispatch);
                            log.add(dispatch.event());
                            inbox.addAll(dispatch.commands());
                        }
                        case Emit emit -> log.add(emit.event());
                        case CancelAttempt cancel ->
                            running.removeIf(
                                    c -> c.taskId().equals(cancel.command().taskId())
                                            && c.attempt() == cancel.command().attempt()
                                            && random.nextBoolean()); // some workers stop in time
                        case ScheduleTimer timer -> timers.put(timer.key(), timer.event());
                        case CancelTimer cancel -> timers.remove(cancel.key());
                    }
                }
                if (random.nextInt(25) == 0) {
                    log.add(consumed.get(random.nextInt(consumed.size()))); // redelivery
                }
                continue;
            }
            if (!inbox.isEmpty() && choice == 2) {
                TaskDispatch command = inbox.remove(random.nextInt(inbox.size()));
                running.add(command);
                log.add(new TaskStarted(id, command.taskId(), command.attempt(), command.kind(), "w", now));
                continue;
            }
            if (!running.isEmpty() && choice == 3) {
                TaskDispatch command = running.remove(random.nextInt(running.size()));
                int roll = random.nextInt(12);
                log.add(
                        roll < 9
                                ? new TaskSucceeded(
                                        id, command.taskId(), command.attempt(), command.kind(), json("{}"), "w", now)
                                : new TaskFailed(
                                        id,
                                        command.taskId(),
                                        command.attempt(),
                                        command.kind(),
                                        "E" + roll,
                                        "boom",
                                        roll < 11,
                                        "w",
                                        now));
                continue;
            }
            if (!timers.isEmpty() && choice == 4 && random.nextInt(3) == 0) {
                List<TimerKey> keys = List.copyOf(timers.keySet());
                log.add(timers.remove(keys.get(random.nextInt(keys.size()))));
                continue;
            }
            if (choice == 5 && random.nextInt(60) == 0) {
                log.add(new WorkflowCancelRequested(id, "sim", now));
                continue;
            }
            boolean idle = log.isEmpty() && inbox.isEmpty() && running.isEmpty() && timers.isEmpty();
            if (idle && run != null && run.status() != WorkflowStatus.SUCCEEDED && reruns < 3) {
                reruns++;
                log.add(new WorkflowRetryRequested(id, null, now)); // ignored unless failed or cancelled
            } else if (idle) {
                break;
            }
        }

        assertThat(run).isNotNull();
        assertThat(run.status().isFinal())
                .as("seed %d ended %s with %s / %s", seed, run.status(), run.tasks(), run.compensations())
                .isTrue();
        assertThat(run.outcomeLogged()).isTrue();
        if (run.status() == WorkflowStatus.SUCCEEDED) {
            assertThat(run.allSucceeded()).isTrue();
        } else if (run.status() == WorkflowStatus.FAILED) {
            assertThat(run.failure()).isNotNull();
            assertThat(run.compensations().values()).allMatch(c -> c.status().isFinal());
        }
        WorkflowRun replayed = null;
        for (WorkflowEvent event : consumed) {
            replayed = machine.apply(replayed, event).run();
        }
        assertThat(replayed).isEqualTo(run);
        assertThat(machine.pending(run, T0)).isEmpty();
    }

    /**
     * A task is released only when its dependencies succeeded and the run is running; a
     * compensation only while compensating, after the compensations of every compensated task
     * downstream of its task ended.
     */
    private static void checkRelease(Dag dag, WorkflowRun after, Dispatch dispatch) {
        for (TaskDispatch command : dispatch.commands()) {
            if (command.kind() == TaskKind.TASK) {
                assertThat(after.status()).isIn(WorkflowStatus.RUNNING, WorkflowStatus.SUCCEEDED);
                for (TaskId dependency : dag.task(command.taskId()).dependencies()) {
                    assertThat(after.task(dependency).status()).isEqualTo(TaskStatus.SUCCEEDED);
                }
            } else {
                assertThat(after.status()).isEqualTo(WorkflowStatus.COMPENSATING);
                assertThat(after.task(command.taskId()).status()).isEqualTo(TaskStatus.SUCCEEDED);
                for (TaskId below : dag.downstream(command.taskId())) {
                    TaskState compensation = after.compensations().get(below);
                    if (compensation != null) {
                        assertThat(compensation.status().isFinal())
                                .as("compensation of %s released before that of %s ended", command.taskId(), below)
                                .isTrue();
                    }
                }
            }
        }
    }

    private static WorkflowDefinition definition(Random random) {
        WorkflowDefinition base = Simulation.randomDag(random, 3 + random.nextInt(10));
        List<TaskDefinition> tasks = new ArrayList<>();
        for (TaskDefinition task : base.tasks()) {
            RetryPolicy retry = random.nextBoolean()
                    ? null
                    : new RetryPolicy(
                            1 + random.nextInt(3), Duration.ofSeconds(random.nextInt(3)), null, null, 0.3, null);
            TaskTimeout timeout = random.nextInt(4) == 0 ? new TaskTimeout(Duration.ofSeconds(30), null) : null;
            Compensation compensation = random.nextBoolean()
                    ? new Compensation("undo", json("{}"), random.nextBoolean() ? null : retry)
                    : null;
            tasks.add(new TaskDefinition(
                    task.id(), task.type(), task.input(), task.dependsOn(), retry, timeout, compensation));
        }
        Duration deadline = random.nextInt(3) == 0 ? Duration.ofMinutes(5) : null;
        return new WorkflowDefinition("sim", null, Map.of(), deadline, null, tasks);
    }
}
