package dev.tributary.worker.execution;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.codec.EventCodecException;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.worker.handler.TaskContext;
import dev.tributary.worker.handler.TaskHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * One attempt of one task on its own (virtual) thread: publishes {@code TaskStarted}, runs the
 * handler (interrupting it when the dispatch's deadline passes), publishes {@code TaskSucceeded}
 * or {@code TaskFailed}, and reports when both are acknowledged. An attempt abandoned by a
 * stopping worker is interrupted and publishes nothing more. An attempt whose deadline has passed
 * before it starts is not handed to the handler: it publishes {@code TaskStarted} and a retryable
 * {@code TaskFailed} {@code DEADLINE_EXCEEDED}, so every attempt shows the same pair of events.
 *
 * <p>A {@link TaskCancel} for the attempt interrupts the handler the way the deadline does and the
 * attempt reports {@code TaskFailed} {@code CANCELLED}, not retryable, whatever the handler did
 * afterwards. An attempt cancelled before its handler started reports only that {@code
 * TaskFailed} (it never started), as does one dropped from the queue ({@link
 * #reportCancelledBeforeStart}).
 */
final class TaskExecution implements Runnable {

    /** What executions share. */
    record Services(
            String workerId,
            long maxOutputBytes,
            Clock clock,
            ScheduledExecutorService timers,
            EventPublisher publisher,
            EventCodec codec,
            TaskMetrics metrics,
            RecentAttempts<TaskCancel> cancels,
            RecentAttempts<Instant> finished) {}

    /** Told once when the attempt is over. */
    interface Listener {
        /**
         * @param published whether the result was acknowledged by Kafka (false when abandoned or
         *     when the worker closed before it was)
         */
        void finished(TaskExecution execution, boolean published);
    }

    private enum Phase {
        QUEUED,
        HANDLING,
        FINISHING
    }

    private static final Logger log = LoggerFactory.getLogger(TaskExecution.class);

    private final TaskDispatch dispatch;
    private final List<Header> trace;
    private final TaskHandler handler;
    private final Services services;
    private final Listener listener;

    private Phase phase = Phase.QUEUED;
    private @Nullable Thread thread;
    private boolean deadlineExceeded;
    private @Nullable TaskCancel cancelled;
    private boolean abandoned;

    TaskExecution(
            TaskDispatch dispatch, List<Header> trace, TaskHandler handler, Services services, Listener listener) {
        this.dispatch = dispatch;
        this.trace = trace;
        this.handler = handler;
        this.services = services;
        this.listener = listener;
    }

    TaskDispatch dispatch() {
        return dispatch;
    }

    /**
     * What identifies an attempt for cancellation: its workflow, task, attempt number and kind, as
     * the idempotency key a {@link TaskCancel} computes from them.
     */
    static String attemptKey(TaskDispatch dispatch) {
        return TaskDispatch.idempotencyKey(
                dispatch.workflowId(), dispatch.taskId(), dispatch.kind(), dispatch.attempt());
    }

    /**
     * Stops the attempt: interrupts a running handler, or keeps a queued attempt from starting; the
     * attempt then reports {@code TaskFailed} {@code CANCELLED}. Too late once the handler has
     * returned (its result is being published).
     */
    synchronized void cancel(TaskCancel cancel) {
        if (abandoned || cancelled != null || phase == Phase.FINISHING) {
            return;
        }
        cancelled = cancel;
        if (phase == Phase.HANDLING && thread != null) {
            thread.interrupt();
        }
    }

    /**
     * Reports a queued attempt that is dropped because it was cancelled before it started: only
     * {@code TaskFailed} {@code CANCELLED}. The future completes when Kafka acknowledged it.
     */
    static CompletableFuture<Void> reportCancelledBeforeStart(
            TaskDispatch dispatch, List<Header> trace, TaskCancel cancel, Services services) {
        log.info("Dropping {} before it started: {}", dispatch.idempotencyKey(), cancel.reason());
        services.metrics().cancelled(dispatch.type(), false);
        TaskFailed failed = failedEvent(
                dispatch, Failure.cancelled(cancel), services, services.clock().instant());
        return services.publisher().publish(failed, trace);
    }

    @Override
    public void run() {
        try {
            execute();
        } catch (RuntimeException | Error e) {
            log.error("Running {} failed inside the worker", dispatch.idempotencyKey(), e);
            listener.finished(this, false);
        }
    }

    /** Gives the attempt back: interrupts the handler; nothing more is published for it. */
    synchronized void abandon() {
        abandoned = true;
        if (phase == Phase.HANDLING && thread != null) {
            thread.interrupt();
        }
    }

    private synchronized void deadlinePassed() {
        if (phase == Phase.HANDLING && thread != null) {
            deadlineExceeded = true;
            thread.interrupt();
        }
    }

    private void execute() {
        synchronized (this) {
            if (abandoned) {
                listener.finished(this, false);
                return;
            }
            if (cancelled != null) {
                phase = Phase.FINISHING;
                reportCancelledBeforeStart(dispatch, trace, cancelled, services)
                        .whenComplete((ignored, e) -> listener.finished(this, e == null));
                return;
            }
            thread = Thread.currentThread();
            phase = Phase.HANDLING;
        }
        Clock clock = services.clock();
        Instant startedAt = clock.instant();
        CompletableFuture<Void> started = services.publisher()
                .publish(
                        new TaskStarted(
                                dispatch.workflowId(),
                                dispatch.taskId(),
                                dispatch.attempt(),
                                dispatch.kind(),
                                services.workerId(),
                                startedAt),
                        trace);
        long startNanos = System.nanoTime();
        Outcome outcome = runHandler();
        synchronized (this) {
            phase = Phase.FINISHING;
            Thread.interrupted(); // clears an interrupt meant for the handler
            if (abandoned) {
                log.info("Gave back {} (worker stopping); it will be redelivered", dispatch.idempotencyKey());
                listener.finished(this, false);
                return;
            }
            if (cancelled != null) {
                log.info("Cancelled {} while it ran: {}", dispatch.idempotencyKey(), cancelled.reason());
                services.metrics().cancelled(dispatch.type(), true);
                outcome = new Failed(Failure.cancelled(cancelled));
            } else if (deadlineExceeded) {
                outcome = deadlineFailure();
            }
        }
        services.metrics().finished(dispatch.type(), outcome instanceof Succeeded, System.nanoTime() - startNanos);
        WorkflowEvent result = result(outcome, clock.instant());
        CompletableFuture<Void> finished = publishResult(result);
        CompletableFuture.allOf(started, finished).whenComplete((ignored, e) -> {
            if (e != null) {
                log.warn("The result of {} was not published: {}", dispatch.idempotencyKey(), e.toString());
            }
            listener.finished(this, e == null);
        });
    }

    private sealed interface Outcome {}

    private record Succeeded(@Nullable JsonNode output) implements Outcome {}

    private record Failed(Failure failure) implements Outcome {}

    private Outcome runHandler() {
        Instant deadline = dispatch.deadline();
        ScheduledFuture<?> timer = null;
        if (deadline != null) {
            Duration left = Duration.between(services.clock().instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                return deadlineFailure();
            }
            timer = services.timers().schedule(this::deadlinePassed, left.toNanos(), TimeUnit.NANOSECONDS);
        }
        try {
            TaskContext context = new TaskContext(
                    dispatch.workflowId(),
                    dispatch.taskId(),
                    dispatch.attempt(),
                    dispatch.kind(),
                    dispatch.type(),
                    dispatch.input(),
                    dispatch.upstreamOutputs(),
                    deadline,
                    dispatch.idempotencyKey(),
                    services.workerId(),
                    dispatch.compensates());
            return new Succeeded(handler.handle(context));
        } catch (Throwable thrown) {
            Failure failure = Failure.of(thrown);
            if (failure.code().equals(Failure.HANDLER_ERROR)) {
                log.warn("Handler {} failed unexpectedly on {}", handler.type(), dispatch.idempotencyKey(), thrown);
            } else {
                log.debug("Handler {} failed on {}: {}", handler.type(), dispatch.idempotencyKey(), failure);
            }
            return new Failed(failure);
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }

    private Failed deadlineFailure() {
        return new Failed(new Failure(
                Failure.DEADLINE_EXCEEDED, "the attempt's deadline " + dispatch.deadline() + " passed", true));
    }

    private WorkflowEvent result(Outcome outcome, Instant finishedAt) {
        return switch (outcome) {
            case Succeeded succeeded -> {
                JsonNode output = succeeded.output();
                if (output == null || output.isMissingNode()) {
                    yield succeeded(null, finishedAt);
                }
                int size;
                try {
                    size = services.codec().encode(output).length;
                } catch (EventCodecException e) {
                    yield failed(
                            new Failure(
                                    Failure.BAD_OUTPUT,
                                    "the output cannot be written as JSON: " + e.getMessage(),
                                    false),
                            finishedAt);
                }
                if (size > services.maxOutputBytes()) {
                    yield failed(outputTooLarge(size + " bytes"), finishedAt);
                }
                yield succeeded(output, finishedAt);
            }
            case Failed failed -> failed(failed.failure(), finishedAt);
        };
    }

    private Failure outputTooLarge(String size) {
        return new Failure(
                Failure.OUTPUT_TOO_LARGE,
                "the output (" + size + ") is larger than the limit of " + services.maxOutputBytes() + " bytes",
                false);
    }

    private TaskSucceeded succeeded(@Nullable JsonNode output, Instant finishedAt) {
        return new TaskSucceeded(
                dispatch.workflowId(),
                dispatch.taskId(),
                dispatch.attempt(),
                dispatch.kind(),
                output,
                services.workerId(),
                finishedAt);
    }

    private TaskFailed failed(Failure failure, Instant finishedAt) {
        return failedEvent(dispatch, failure, services, finishedAt);
    }

    private static TaskFailed failedEvent(
            TaskDispatch dispatch, Failure failure, Services services, Instant finishedAt) {
        return new TaskFailed(
                dispatch.workflowId(),
                dispatch.taskId(),
                dispatch.attempt(),
                dispatch.kind(),
                failure.code(),
                failure.message(),
                failure.retryable(),
                services.workerId(),
                finishedAt);
    }

    /** A success too large for the broker becomes an {@code OUTPUT_TOO_LARGE} failure. */
    private CompletableFuture<Void> publishResult(WorkflowEvent result) {
        return services.publisher().publish(result, trace).exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (result instanceof TaskSucceeded succeeded && cause instanceof RecordTooLargeException) {
                TaskFailed failed = failed(outputTooLarge("more than the broker accepts"), succeeded.finishedAt());
                return services.publisher().publish(failed, trace);
            }
            return CompletableFuture.failedFuture(cause);
        });
    }
}
