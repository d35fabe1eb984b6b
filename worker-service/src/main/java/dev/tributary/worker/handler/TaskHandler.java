package dev.tributary.worker.handler;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Runs the tasks of one type. Register an implementation as a Spring bean and the worker consumes
 * {@code tributary.tasks.<type>} for it (consumer group {@code tributary-worker-<type>}); there
 * must be exactly one handler per type.
 *
 * <p>A task runs at least once per attempt: after a crash or a rebalance the same attempt may be
 * delivered again, with the same {@link TaskContext#idempotencyKey()}. Handlers with side effects
 * should pass that key on (e.g. as an {@code Idempotency-Key} header) or check it themselves.
 *
 * <p><b>How a failure is reported</b> (the rule that drives the scheduler's retries):
 *
 * <ul>
 *   <li>{@link RetryableTaskException}: {@code TaskFailed} with its error code, {@code
 *       retryable=true} (a transient problem: a new attempt may succeed).
 *   <li>{@link PermanentTaskException}: {@code TaskFailed} with its error code, {@code
 *       retryable=false} (bad input, a 4xx answer: a new attempt would fail the same way).
 *   <li>Any other exception or error: {@code TaskFailed} with code {@code HANDLER_ERROR} and
 *       {@code retryable=true}. An unexpected failure is treated as transient, as Conductor does;
 *       throw {@code PermanentTaskException} when you know better.
 *   <li>The handler is interrupted when the dispatch's deadline passes ({@code TaskFailed} code
 *       {@code DEADLINE_EXCEEDED}, retryable) and when the worker shuts down and its grace period
 *       is over (nothing is published; the task is redelivered). Let {@link InterruptedException}
 *       propagate.
 * </ul>
 *
 * <p>Handlers run concurrently on virtual threads, so blocking I/O is fine; an implementation must
 * be thread-safe.
 */
public interface TaskHandler {

    /**
     * The task type this handler runs, e.g. {@code http}. Used in a topic and a consumer group
     * name, so letters, digits, {@code .}, {@code _} and {@code -} only.
     */
    String type();

    /**
     * Runs one attempt of a task.
     *
     * @return the task's output (a JSON value, size-limited by {@code
     *     tributary.worker.max-output-size}), or {@code null} for no output
     * @throws Exception see the class comment for how each exception is reported
     */
    @Nullable
    JsonNode handle(TaskContext context) throws Exception;
}
