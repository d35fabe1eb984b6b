/**
 * The read API. {@code GET /api/v1/workflows/{id}} returns a workflow as accepted with the live
 * status of the workflow and of each task ({@link dev.tributary.submission.query.WorkflowView}),
 * including which task types are waiting for a worker; {@code GET /api/v1/workflows/{id}/events}
 * its history; {@code GET /api/v1/workflows} a filtered list, newest first, with cursor paging.
 * Statuses come from the rows the status projection ({@code ...submission.projection}) keeps up to
 * date from the history log.
 */
@NullMarked
package dev.tributary.submission.query;

import org.jspecify.annotations.NullMarked;
