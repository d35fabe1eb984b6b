package dev.tributary.submission.query;

import java.time.Instant;

/**
 * A task released to the workers that no worker has started yet: the workflow waits for a worker
 * of {@code type} (consuming {@code tributary.tasks.<type>}).
 *
 * @param taskId the task
 * @param type the task type a worker must handle
 * @param attempt the attempt waiting
 * @param since when the attempt was released
 */
public record WaitingTask(String taskId, String type, int attempt, Instant since) {}
