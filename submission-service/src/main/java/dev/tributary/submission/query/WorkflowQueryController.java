package dev.tributary.submission.query;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/workflows/{id}}: the workflow and its tasks, or a 404 problem. */
@RestController
@RequestMapping("/api/v1/workflows")
class WorkflowQueryController {

    private final WorkflowQueries queries;

    WorkflowQueryController(WorkflowQueries queries) {
        this.queries = queries;
    }

    @Operation(summary = "Read a workflow and the status of its tasks")
    @ApiResponse(responseCode = "200", description = "The workflow")
    @ApiResponse(
            responseCode = "404",
            description = "No workflow has this id",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                            schema = @Schema(implementation = ProblemDetail.class)))
    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    WorkflowView get(@PathVariable String id) {
        return queries.find(id).orElseThrow(() -> new WorkflowNotFoundException(id));
    }
}
