package dev.tributary.scheduler.dag;

/**
 * Why an attempt failed.
 *
 * @param code a stable, machine-readable code ({@code TIMEOUT} for timer-detected timeouts)
 * @param message a human-readable line
 */
public record TaskError(String code, String message) {}
