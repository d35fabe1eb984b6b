package dev.tributary.submission.intake;

/**
 * One problem with a submission.
 *
 * @param pointer a JSON Pointer (RFC 6901) into the submitted document; empty for the whole
 *     document
 * @param reason a human-readable reason that quotes at most a short, truncated part of the value
 */
public record FieldError(String pointer, String reason) {}
