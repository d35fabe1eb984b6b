package dev.tributary.submission.query;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * One event of a workflow's history ({@code GET /api/v1/workflows/{id}/events}), shaped like a
 * CloudEvent in structured mode.
 *
 * @param id {@code ce_id}: the event id (unique; a redelivered event is listed once)
 * @param type {@code ce_type}, e.g. {@code tributary.task.succeeded.v1}
 * @param source {@code ce_source}: the service that produced it
 * @param time {@code ce_time}: when it was produced
 * @param data the event as it was on the log (its JSON Schema is the type's, in shared-events)
 */
public record HistoryEntry(String id, String type, String source, Instant time, JsonNode data) {}
