/**
 * The status projection: consumes the history log ({@code tributary.workflow-events}) into the
 * workflow and task status rows and the per-workflow event history that the read API serves.
 *
 * <p>Exactly once: the consumed offsets live in {@code submission.consumer_offset} and advance in
 * the same transaction as the row changes (one transaction per poll batch); on partition
 * assignment the consumer seeks to them. Redeliveries are absorbed twice over: a {@code ce_id}
 * already in {@code submission.workflow_event} is not applied again, and the rules ({@link
 * dev.tributary.submission.projection.ProjectionRules}, a pure function) ignore results for an
 * attempt that is already final or stale. Because the rules read only the log, wiping the
 * projected columns and replaying the log rebuilds them (ARCHITECTURE §4.4).
 */
@NullMarked
package dev.tributary.submission.projection;

import org.jspecify.annotations.NullMarked;
