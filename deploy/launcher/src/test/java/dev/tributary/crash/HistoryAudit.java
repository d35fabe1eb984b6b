package dev.tributary.crash;

import dev.tributary.crash.HistoryLog.Entry;
import dev.tributary.events.history.WorkflowEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What one workflow's history must show after the crashes ("no gaps", "released once"), checked
 * from the log alone. Records are taken in log order (one workflow's records share a partition).
 *
 * <ol>
 *   <li><b>Duplicate delivery</b>: a record whose {@code ce_id} appeared earlier in the workflow's
 *       history is the same record delivered again (a relay or producer resent it after a crash);
 *       it is counted and otherwise ignored. All rules below count distinct ce_ids.
 *   <li><b>Accepted first</b>: the first record is {@code WorkflowAccepted}, and there is one.
 *   <li><b>Released once</b>: per task, kind and attempt at most one {@code TasksDispatched}
 *       lists it. Two releases with different ce_ids would be the scheduler deciding twice.
 *   <li><b>Attempts without holes</b>: the released attempts of each task and kind are 1..n.
 *   <li><b>Reports follow releases</b>: every {@code TaskStarted}, {@code TaskSucceeded}, {@code
 *       TaskFailed} and {@code TaskTimedOut} refers to an attempt released before it.
 *   <li><b>Every attempt ended</b>: each released attempt has a result ({@code TaskSucceeded},
 *       {@code TaskFailed} or {@code TaskTimedOut}); in a workflow that ended failed or cancelled,
 *       an attempt still running then was cancelled with it and needs none.
 *   <li><b>Terminal last</b>: exactly one terminal event ({@code WorkflowSucceeded}, {@code
 *       WorkflowFailed}, {@code WorkflowCancelled}); after it only worker reports of attempts that
 *       had ended before it may follow (a worker killed before committing its offset runs the same
 *       attempt again: a <b>re-execution</b>, counted, not a second release).
 *   <li><b>Ended as designed</b>: see {@link Shape}; a successful workflow has a success for every
 *       task, a {@link Shape#FAIL} workflow failed at {@link Shape#FAILING_TASK} and never released
 *       {@link Shape#NEVER_RELEASED}, a {@link Shape#RETRY} workflow needed attempt 2.
 * </ol>
 */
final class HistoryAudit {

    /**
     * The findings for one workflow.
     *
     * @param problems what breaks a rule, one line each
     * @param duplicates records delivered again (same ce_id), by event type
     * @param reexecutions results of attempts that had already ended (a worker ran them again)
     */
    record Result(List<String> problems, Map<String, Integer> duplicates, int reexecutions) {}

    private HistoryAudit() {}

    private record Attempt(String task, String kind, int attempt) {
        @Override
        public String toString() {
            return task + "/" + kind + "#" + attempt;
        }
    }

    static Result audit(String workflowId, Shape shape, List<Entry> history) {
        List<String> problems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<Entry> distinct = new ArrayList<>();
        Map<String, Integer> duplicates = new TreeMap<>();
        for (Entry entry : history) {
            if (seen.add(entry.ceId())) {
                distinct.add(entry);
            } else {
                duplicates.merge(name(entry.event()), 1, Integer::sum);
            }
        }
        if (distinct.isEmpty()) {
            return new Result(List.of(workflowId + ": no history at all"), duplicates, 0);
        }
        if (!(distinct.getFirst().event() instanceof WorkflowEvent.WorkflowAccepted)) {
            problems.add(
                    workflowId + ": first event is " + name(distinct.getFirst().event()));
        }
        Map<Attempt, Integer> releases = new HashMap<>();
        Map<String, Set<Integer>> attemptsByTask = new HashMap<>();
        Set<Attempt> ended = new HashSet<>();
        Set<Attempt> succeeded = new HashSet<>();
        Set<Attempt> failed = new HashSet<>();
        int reexecutions = 0;
        @Nullable WorkflowEvent terminal = null;
        int accepted = 0;
        for (Entry entry : distinct) {
            WorkflowEvent event = entry.event();
            if (terminal != null) {
                Attempt reported = reported(event);
                boolean lateReport =
                        reported != null && ended.contains(reported) && !(event instanceof WorkflowEvent.TaskTimedOut);
                if (!lateReport) {
                    problems.add(workflowId + ": " + name(event) + " after the terminal " + name(terminal));
                } else if (!(event instanceof WorkflowEvent.TaskStarted)) {
                    reexecutions++;
                }
                continue;
            }
            switch (event) {
                case WorkflowEvent.WorkflowAccepted ignored -> accepted++;
                case WorkflowEvent.TasksDispatched dispatched -> {
                    for (WorkflowEvent.DispatchedTask task : dispatched.tasks()) {
                        Attempt attempt =
                                new Attempt(task.taskId().value(), task.kind().name(), task.attempt());
                        if (releases.merge(attempt, 1, Integer::sum) > 1) {
                            problems.add(workflowId + ": attempt " + attempt + " released twice");
                        }
                        attemptsByTask
                                .computeIfAbsent(attempt.task() + "/" + attempt.kind(), k -> new TreeSet<>())
                                .add(attempt.attempt());
                    }
                }
                case WorkflowEvent.WorkflowSucceeded done -> terminal = done;
                case WorkflowEvent.WorkflowFailed done -> terminal = done;
                case WorkflowEvent.WorkflowCancelled done -> terminal = done;
                default -> {
                    Attempt reported = reported(event);
                    if (reported != null) {
                        if (!releases.containsKey(reported)) {
                            problems.add(workflowId + ": " + name(event) + " of " + reported
                                    + (releasedLater(distinct, reported)
                                            ? " before its release (the release is later in the log)"
                                            : " never released"));
                        }
                        if (ended.contains(reported)
                                && (event instanceof WorkflowEvent.TaskSucceeded
                                        || event instanceof WorkflowEvent.TaskFailed)) {
                            reexecutions++;
                        }
                        switch (event) {
                            case WorkflowEvent.TaskSucceeded ignored -> {
                                ended.add(reported);
                                succeeded.add(reported);
                            }
                            case WorkflowEvent.TaskFailed ignored -> {
                                ended.add(reported);
                                failed.add(reported);
                            }
                            case WorkflowEvent.TaskTimedOut ignored -> ended.add(reported);
                            default -> {}
                        }
                    }
                }
            }
        }
        if (accepted != 1) {
            problems.add(workflowId + ": " + accepted + " WorkflowAccepted events");
        }
        if (terminal == null) {
            problems.add(workflowId + ": no terminal event");
            return new Result(problems, duplicates, reexecutions);
        }
        attemptsByTask.forEach((task, attempts) -> {
            int expected = 1;
            for (int attempt : attempts) {
                if (attempt != expected++) {
                    problems.add(workflowId + ": attempts of " + task + " are " + attempts + ", not 1..n");
                    break;
                }
            }
        });
        boolean endedBadly = !(terminal instanceof WorkflowEvent.WorkflowSucceeded);
        for (Attempt attempt : releases.keySet()) {
            if (!ended.contains(attempt) && !endedBadly) {
                problems.add(workflowId + ": attempt " + attempt + " released but never ended");
            }
        }
        if (shape.succeeds) {
            if (!(terminal instanceof WorkflowEvent.WorkflowSucceeded)) {
                problems.add(workflowId + " (" + shape + "): ended " + name(terminal) + ", should succeed");
            }
            Set<String> tasksSucceeded = new HashSet<>();
            succeeded.forEach(attempt -> tasksSucceeded.add(attempt.task()));
            Set<String> released = new HashSet<>();
            releases.keySet().forEach(attempt -> released.add(attempt.task()));
            if (!tasksSucceeded.containsAll(shape.taskIds())) {
                problems.add(workflowId + ": only " + tasksSucceeded + " of " + shape.taskIds() + " succeeded");
            }
            if (!tasksSucceeded.containsAll(released)) {
                problems.add(workflowId + ": tasks " + released + " released, only " + tasksSucceeded + " succeeded");
            }
        } else if (!(terminal instanceof WorkflowEvent.WorkflowFailed failure
                && failure.failedTask() != null
                && failure.failedTask().value().equals(Shape.FAILING_TASK))) {
            problems.add(workflowId + " (" + shape + "): ended " + terminal + ", should fail at " + Shape.FAILING_TASK);
        }
        if (shape == Shape.FAIL
                && releases.keySet().stream().anyMatch(attempt -> attempt.task().equals(Shape.NEVER_RELEASED))) {
            problems.add(
                    workflowId + ": " + Shape.NEVER_RELEASED + " released after " + Shape.FAILING_TASK + " failed");
        }
        if (shape == Shape.RETRY
                && !(failed.contains(new Attempt("flaky", "TASK", 1))
                        && succeeded.contains(new Attempt("flaky", "TASK", 2)))) {
            problems.add(workflowId + ": flaky did not fail on attempt 1 and succeed on attempt 2: failed " + failed
                    + ", succeeded " + succeeded);
        }
        return new Result(problems, duplicates, reexecutions);
    }

    private static boolean releasedLater(List<Entry> history, Attempt attempt) {
        return history.stream()
                .map(Entry::event)
                .filter(WorkflowEvent.TasksDispatched.class::isInstance)
                .map(WorkflowEvent.TasksDispatched.class::cast)
                .flatMap(dispatched -> dispatched.tasks().stream())
                .anyMatch(
                        task -> new Attempt(task.taskId().value(), task.kind().name(), task.attempt()).equals(attempt));
    }

    private static @Nullable Attempt reported(WorkflowEvent event) {
        return switch (event) {
            case WorkflowEvent.TaskStarted e ->
                new Attempt(e.taskId().value(), e.kind().name(), e.attempt());
            case WorkflowEvent.TaskSucceeded e ->
                new Attempt(e.taskId().value(), e.kind().name(), e.attempt());
            case WorkflowEvent.TaskFailed e ->
                new Attempt(e.taskId().value(), e.kind().name(), e.attempt());
            case WorkflowEvent.TaskTimedOut e ->
                new Attempt(e.taskId().value(), e.kind().name(), e.attempt());
            default -> null;
        };
    }

    private static String name(WorkflowEvent event) {
        return event.getClass().getSimpleName();
    }
}
