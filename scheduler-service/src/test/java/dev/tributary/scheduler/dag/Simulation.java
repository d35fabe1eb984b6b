package dev.tributary.scheduler.dag;

import static dev.tributary.scheduler.dag.Workflows.T0;
import static dev.tributary.scheduler.dag.Workflows.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.definition.TaskDefinition;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.DispatchedTask;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.history.WorkflowEvent.WorkflowAccepted;
import dev.tributary.events.history.WorkflowEvent.WorkflowSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.scheduler.dag.Decision.Dispatch;
import dev.tributary.scheduler.dag.Decision.Emit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A seeded simulation of the whole loop around the state machine: the history log the scheduler
 * consumes, the scheduler's outbox and a relay that publishes it at random moments (so the
 * scheduler's own {@code TasksDispatched} comes back late, possibly after the task's results), and
 * workers that start and finish released tasks in random order. Kafka's at-least-once delivery is
 * modelled by redelivering random earlier events. Every check that must hold at each step is
 * asserted as it happens; the rest is recorded for the tests to inspect.
 */
final class Simulation {

    private final WorkflowStateMachine machine = new WorkflowStateMachine();
    private final Random random;
    private final WorkflowId workflowId;
    private final WorkflowDefinition definition;
    private final Map<TaskId, TaskDefinition> tasks = new LinkedHashMap<>();

    private final Deque<WorkflowEvent> unconsumed = new ArrayDeque<>();
    private final Deque<Object> outbox = new ArrayDeque<>();
    private final List<TaskDispatch> workerInbox = new ArrayList<>();
    private final List<TaskDispatch> running = new ArrayList<>();
    private final Set<TaskId> finishedByWorkers = new HashSet<>();

    /** Every event in the order the scheduler consumed it (duplicates included): the log. */
    final List<WorkflowEvent> consumed = new ArrayList<>();
    /** The run after consuming {@code consumed.get(i)}. */
    final List<@Nullable WorkflowRun> states = new ArrayList<>();
    /** Decisions returned while consuming {@code consumed.get(i)}. */
    final List<List<Decision>> decisionsAt = new ArrayList<>();

    final Map<TaskId, Integer> executions = new HashMap<>();
    int workflowSucceededDecisions;
    private @Nullable WorkflowRun run;

    Simulation(long seed, int taskCount) {
        this.random = new Random(seed);
        this.workflowId = WorkflowId.of("wf-" + seed);
        this.definition = randomDag(random, taskCount);
        definition.tasks().forEach(task -> tasks.put(task.id(), task));
    }

    /** A random DAG: each task depends on up to four earlier ones; listed in shuffled order. */
    static WorkflowDefinition randomDag(Random random, int taskCount) {
        List<TaskDefinition> list = new ArrayList<>();
        for (int i = 0; i < taskCount; i++) {
            Set<TaskId> deps = new java.util.TreeSet<>();
            int wanted = i == 0 ? 0 : random.nextInt(Math.min(i, 4) + 1);
            for (int d = 0; d < wanted; d++) {
                deps.add(TaskId.of("t" + random.nextInt(i)));
            }
            list.add(new TaskDefinition(
                    TaskId.of("t" + i),
                    "noop",
                    json("{\"i\":" + i + "}"),
                    deps.isEmpty() ? null : List.copyOf(deps),
                    null,
                    null,
                    null));
        }
        Collections.shuffle(list, random);
        return Workflows.definition(list, null);
    }

    Simulation run() {
        unconsumed.add(new WorkflowAccepted(workflowId, definition, T0));
        int step = 0;
        while (true) {
            List<Runnable> actions = new ArrayList<>();
            if (!unconsumed.isEmpty()) {
                actions.add(this::consume);
                actions.add(this::consume);
            }
            if (!outbox.isEmpty()) {
                actions.add(this::relay);
            }
            if (!workerInbox.isEmpty()) {
                actions.add(this::startTask);
            }
            if (!running.isEmpty()) {
                actions.add(this::finishTask);
            }
            if (actions.isEmpty()) {
                return this;
            }
            if (!consumed.isEmpty() && random.nextInt(20) == 0) {
                actions.add(this::redeliver);
            }
            actions.get(random.nextInt(actions.size())).run();
            step++;
            assertThat(step).as("simulation terminates").isLessThan(1_000_000);
        }
    }

    WorkflowRun finalRun() {
        assertThat(run).isNotNull();
        return run;
    }

    private void consume() {
        WorkflowEvent event = unconsumed.poll();
        Transition transition = machine.apply(run, event);
        for (Decision decision : transition.decisions()) {
            switch (decision) {
                case Dispatch dispatch -> {
                    checkRelease(dispatch, transition.run());
                    outbox.add(dispatch.event());
                    outbox.addAll(dispatch.commands());
                }
                case Emit emit -> {
                    if (emit.event() instanceof WorkflowSucceeded) {
                        workflowSucceededDecisions++;
                    }
                    outbox.add(emit.event());
                }
                default -> throw new AssertionError("no timers expected without retries or timeouts: " + decision);
            }
        }
        run = transition.run();
        consumed.add(event);
        states.add(run);
        decisionsAt.add(transition.decisions());
    }

    /** No task is released before every dependency succeeded, and the outputs it gets are theirs. */
    private void checkRelease(Dispatch dispatch, @Nullable WorkflowRun after) {
        assertThat(after).isNotNull();
        assertThat(dispatch.event().tasks()).hasSameSizeAs(dispatch.commands());
        for (int i = 0; i < dispatch.commands().size(); i++) {
            TaskDispatch command = dispatch.commands().get(i);
            DispatchedTask listed = dispatch.event().tasks().get(i);
            assertThat(listed.taskId()).isEqualTo(command.taskId());
            assertThat(command.attempt()).isEqualTo(1);
            TaskDefinition task = tasks.get(command.taskId());
            Map<TaskId, Object> expectedOutputs = new LinkedHashMap<>();
            for (TaskId dependency : task.dependencies()) {
                assertThat(finishedByWorkers)
                        .as("%s released before its dependency %s finished", task.id(), dependency)
                        .contains(dependency);
                assertThat(after.task(dependency).status()).isEqualTo(TaskStatus.SUCCEEDED);
                expectedOutputs.put(dependency, output(dependency));
            }
            assertThat(command.upstreamOutputs()).isEqualTo(expectedOutputs);
            assertThat(command.input()).isEqualTo(task.input());
        }
    }

    private void relay() {
        Object row = outbox.poll();
        if (row instanceof TaskDispatch command) {
            workerInbox.add(command);
        } else {
            unconsumed.add((WorkflowEvent) row);
        }
    }

    private void startTask() {
        TaskDispatch command = workerInbox.remove(random.nextInt(workerInbox.size()));
        executions.merge(command.taskId(), 1, Integer::sum);
        running.add(command);
        unconsumed.add(new TaskStarted(workflowId, command.taskId(), command.attempt(), TaskKind.TASK, "w", T0));
    }

    private void finishTask() {
        TaskDispatch command = running.remove(random.nextInt(running.size()));
        finishedByWorkers.add(command.taskId());
        TaskSucceeded result = new TaskSucceeded(
                workflowId,
                command.taskId(),
                command.attempt(),
                TaskKind.TASK,
                output(command.taskId()),
                "w",
                T0.plusSeconds(consumed.size()));
        unconsumed.add(result);
        if (random.nextInt(10) == 0) {
            unconsumed.add(result); // the worker's producer retried
        }
    }

    private void redeliver() {
        unconsumed.add(consumed.get(random.nextInt(consumed.size())));
    }

    private static tools.jackson.databind.JsonNode output(TaskId task) {
        return json("{\"from\":\"" + task.value() + "\"}");
    }
}
