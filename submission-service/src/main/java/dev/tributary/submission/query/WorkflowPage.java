package dev.tributary.submission.query;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of {@code GET /api/v1/workflows}.
 *
 * @param items the workflows, newest first
 * @param next the cursor of the next page (pass it as {@code after}), {@code null} on the last page
 */
public record WorkflowPage(
        List<WorkflowSummary> items,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String next) {}
