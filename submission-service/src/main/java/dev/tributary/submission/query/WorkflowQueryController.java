package dev.tributary.submission.query;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The read API: one workflow with its live task statuses, its history, and the filtered, paged
 * list of workflows. Errors are problem details (see the advice).
 */
@RestController
@RequestMapping("/api/v1/workflows")
class WorkflowQueryController {

    private static final String PROBLEM = MediaType.APPLICATION_PROBLEM_JSON_VALUE;

    private final WorkflowQueries queries;

    WorkflowQueryController(WorkflowQueries queries) {
        this.queries = queries;
    }

    @Operation(summary = "Read a workflow, its live status and the status of each task")
    @ApiResponse(responseCode = "200", description = "The workflow")
    @ApiResponse(
            responseCode = "404",
            description = "No workflow has this id",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    WorkflowView get(@PathVariable String id) {
        return queries.find(id).orElseThrow(() -> new WorkflowNotFoundException(id));
    }

    @Operation(summary = "Read a workflow's history: every event of the log about it, in log order")
    @ApiResponse(responseCode = "200", description = "The events, oldest first")
    @ApiResponse(
            responseCode = "404",
            description = "No workflow has this id",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @GetMapping(path = "/{id}/events", produces = MediaType.APPLICATION_JSON_VALUE)
    List<HistoryEntry> events(@PathVariable String id) {
        return queries.history(id).orElseThrow(() -> new WorkflowNotFoundException(id));
    }

    @Operation(summary = "List workflows, newest first, with filters and cursor paging")
    @ApiResponse(responseCode = "200", description = "A page; 'next' is the cursor of the following page or null")
    @ApiResponse(
            responseCode = "400",
            description = "A bad parameter; errors lists each one as {parameter, reason}",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    WorkflowPage list(
            @Parameter(description = "Workflow status; repeatable or comma-separated, any of them matches")
                    @RequestParam(required = false)
                    @Nullable
                    List<String> status,
            @Parameter(description = "Exact workflow name") @RequestParam(required = false) @Nullable String name,
            @Parameter(description = "A label as key:value; repeatable, all must match")
                    @RequestParam(required = false)
                    @Nullable
                    List<String> label,
            @Parameter(description = "Page size, 1–500 (default 50)") @RequestParam(required = false) @Nullable
                    String limit,
            @Parameter(description = "The 'next' cursor of the previous page") @RequestParam(required = false) @Nullable
                    String after) {
        return queries.list(WorkflowListQuery.parse(status, name, label, limit, after));
    }
}
