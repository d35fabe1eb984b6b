/**
 * The submission service: accepts workflows over HTTP ({@code POST /api/v1/workflows}), validates
 * them, stores each with its {@code WorkflowAccepted} outbox row in one transaction, and serves
 * them back ({@code GET /api/v1/workflows/{id}}). Features live in sub-packages: {@code intake}
 * (parse, validate, store idempotently) and {@code query} (read API).
 */
@NullMarked
package dev.tributary.submission;

import org.jspecify.annotations.NullMarked;
