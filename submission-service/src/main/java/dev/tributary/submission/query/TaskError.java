package dev.tributary.submission.query;

/**
 * Why the latest failed attempt of a task failed, as its {@code TaskFailed} (or the scheduler's
 * timeout) said.
 *
 * @param code a stable, machine-readable code, e.g. {@code HTTP_503}; {@code TIMEOUT} for a
 *     timeout the scheduler detected
 * @param message a human-readable line
 * @param retryable whether the handler considered a new attempt useful
 */
public record TaskError(String code, String message, boolean retryable) {}
