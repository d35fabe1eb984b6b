/**
 * The task handler SPI ({@link dev.tributary.worker.handler.TaskHandler}, {@link
 * dev.tributary.worker.handler.TaskContext}, the exception taxonomy {@link
 * dev.tributary.worker.handler.RetryableTaskException} / {@link
 * dev.tributary.worker.handler.PermanentTaskException}) and the built-in handlers {@code noop},
 * {@code echo}, {@code sleep}, {@code fail} and {@code http}.
 */
@NullMarked
package dev.tributary.worker.handler;

import org.jspecify.annotations.NullMarked;
