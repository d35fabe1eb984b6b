package dev.tributary.submission.intake;

import dev.tributary.events.definition.WorkflowSubmission;
import dev.tributary.events.history.WorkflowEvent.Origin;
import dev.tributary.submission.query.WorkflowView;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code POST /api/v1/workflows}: {@code 201 Created} with {@code Location} and the workflow, or
 * {@code 200 OK} with the existing workflow when the same definition was already submitted under
 * its id. Errors are problem details (see the advice). The body is read raw, with a size limit,
 * so that validation can report every error with a JSON Pointer.
 */
@RestController
@RequestMapping("/api/v1/workflows")
class WorkflowIntakeController {

    private static final String PROBLEM = MediaType.APPLICATION_PROBLEM_JSON_VALUE;

    private final WorkflowIntake intake;
    private final RequestBodyReader bodyReader;

    WorkflowIntakeController(WorkflowIntake intake, RequestBodyReader bodyReader) {
        this.intake = intake;
        this.bodyReader = bodyReader;
    }

    @Operation(
            summary = "Submit a workflow",
            description = "Validates the workflow (JSON Schema tributary.workflow.submission.v1 plus DAG checks) and"
                    + " stores it with its WorkflowAccepted event. Idempotent on the workflow id.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                                            schema = @Schema(implementation = WorkflowSubmission.class))))
    @ApiResponse(responseCode = "201", description = "Accepted; Location names the workflow")
    @ApiResponse(responseCode = "200", description = "The same definition was already accepted under this id")
    @ApiResponse(
            responseCode = "400",
            description = "Not JSON, or a value of the wrong JSON type",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(
            responseCode = "409",
            description = "The id is taken by a different definition",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(
            responseCode = "413",
            description = "Body larger than tributary.submission.max-body-size",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(
            responseCode = "422",
            description = "Breaks a rule; errors lists each one as {pointer, reason}",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @PostMapping(
            consumes = {MediaType.APPLICATION_JSON_VALUE, "application/*+json"},
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<WorkflowView> submit(HttpServletRequest request) throws IOException {
        byte[] body = bodyReader.read(request.getInputStream(), request.getContentLengthLong());
        WorkflowIntake.Result result = intake.submit(body, Origin.http());
        if (!result.created()) {
            return ResponseEntity.ok(result.workflow());
        }
        URI location = UriComponentsBuilder.fromPath("/api/v1/workflows/{id}")
                .buildAndExpand(result.workflow().id())
                .encode()
                .toUri();
        return ResponseEntity.created(location).body(result.workflow());
    }
}
