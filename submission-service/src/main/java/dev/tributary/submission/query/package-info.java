/**
 * The read API: {@code GET /api/v1/workflows/{id}} returns a workflow as accepted with the status
 * of the workflow and of each task ({@link dev.tributary.submission.query.WorkflowView}). Until
 * the projection of the history log exists, statuses stay {@code ACCEPTED}/{@code PENDING}.
 */
@NullMarked
package dev.tributary.submission.query;

import org.jspecify.annotations.NullMarked;
