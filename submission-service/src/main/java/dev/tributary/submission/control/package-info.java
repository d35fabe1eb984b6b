/**
 * Workflow control: {@code POST /api/v1/workflows/{id}/cancel} and {@code .../retry}. Each
 * decides from the projected status whether the request makes sense, and writes {@code
 * WorkflowCancelRequested} or {@code WorkflowRetryRequested} through the submission outbox in one
 * transaction; the scheduler acts on the event when it comes back through the history log
 * ({@code docs/failure-semantics.md} §4, §6).
 */
@NullMarked
package dev.tributary.submission.control;

import org.jspecify.annotations.NullMarked;
