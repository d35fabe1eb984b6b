/**
 * The worker service: runs {@link dev.tributary.worker.handler.TaskHandler task handlers} for the
 * task types it has, consuming {@code tributary.tasks.<type>} and publishing {@code TaskStarted}
 * and {@code TaskSucceeded}/{@code TaskFailed} to the history log. Usable as a runnable service
 * ({@link dev.tributary.worker.WorkerApplication}) or as a library: {@link
 * dev.tributary.worker.WorkerAutoConfiguration} runs every {@code TaskHandler} bean of the
 * application it is added to. Configured by {@link dev.tributary.worker.WorkerProperties}.
 */
@NullMarked
package dev.tributary.worker;

import org.jspecify.annotations.NullMarked;
