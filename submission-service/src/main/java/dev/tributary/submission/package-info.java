/**
 * The submission service: accepts workflows over HTTP ({@code POST /api/v1/workflows}), validates
 * them, stores each with its {@code WorkflowAccepted} outbox row in one transaction, projects the
 * history log into live statuses, and serves them ({@code GET /api/v1/workflows...}). Features live
 * in sub-packages: {@code intake} (parse, validate, store idempotently), {@code projection} (the
 * history log into status rows, exactly once) and {@code query} (read API).
 */
@NullMarked
package dev.tributary.submission;

import org.jspecify.annotations.NullMarked;
