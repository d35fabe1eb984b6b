package dev.tributary.submission.control;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * {@code POST /api/v1/workflows/{id}/cancel} and {@code .../retry}: {@code 202 Accepted} with
 * {@code Location} of the workflow and a {@link ControlAccepted} body once the request event is in
 * the outbox; the workflow's status changes when the scheduler acts on it. Errors are problem
 * details (see the advice). The body is optional: {@code {"reason": "..."}}.
 */
@RestController
@RequestMapping("/api/v1/workflows")
class WorkflowControlController {

    private static final String PROBLEM = MediaType.APPLICATION_PROBLEM_JSON_VALUE;

    private final WorkflowControl control;

    WorkflowControlController(WorkflowControl control) {
        this.control = control;
    }

    @Operation(
            summary = "Cancel a workflow",
            description = "Writes WorkflowCancelRequested; the scheduler cancels the attempts in flight, skips"
                    + " the tasks not released and ends the workflow CANCELLED. A COMPENSATING workflow finishes"
                    + " its compensations. Cancelling a CANCELLED workflow again writes nothing.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = false,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                                            examples = @ExampleObject(value = "{\"reason\": \"no longer needed\"}"))))
    @ApiResponse(
            responseCode = "202",
            description = "Requested (or already cancelled); Location names the workflow",
            content = @Content(schema = @Schema(implementation = ControlAccepted.class)))
    @ApiResponse(
            responseCode = "400",
            description = "The body is not {\"reason\": \"...\"} (at most 1,000 characters); errors lists"
                    + " each problem as {pointer, reason}",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(
            responseCode = "404",
            description = "No workflow has this id",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(
            responseCode = "409",
            description = "The workflow has already SUCCEEDED or FAILED",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @PostMapping(path = "/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ControlAccepted> cancel(@PathVariable String id, HttpServletRequest request) throws IOException {
        return accepted(
                control.request(id, ControlAction.CANCEL, ControlRequestReader.reason(request.getInputStream())));
    }

    @Operation(
            summary = "Run a failed or cancelled workflow again",
            description = "Writes WorkflowRetryRequested; the scheduler reruns the tasks that did not succeed"
                    + " (and those whose compensation undid them) with new attempts, keeping the outputs of the"
                    + " others.",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = false,
                            content =
                                    @Content(
                                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                                            examples = @ExampleObject(value = "{\"reason\": \"upstream fixed\"}"))))
    @ApiResponse(
            responseCode = "202",
            description = "Requested; Location names the workflow",
            content = @Content(schema = @Schema(implementation = ControlAccepted.class)))
    @ApiResponse(
            responseCode = "400",
            description = "The body is not {\"reason\": \"...\"} (at most 1,000 characters); errors lists"
                    + " each problem as {pointer, reason}",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(
            responseCode = "404",
            description = "No workflow has this id",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(
            responseCode = "409",
            description = "The workflow is neither FAILED nor CANCELLED",
            content = @Content(mediaType = PROBLEM, schema = @Schema(implementation = ProblemDetail.class)))
    @PostMapping(path = "/{id}/retry", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ControlAccepted> retry(@PathVariable String id, HttpServletRequest request) throws IOException {
        return accepted(
                control.request(id, ControlAction.RETRY, ControlRequestReader.reason(request.getInputStream())));
    }

    private static ResponseEntity<ControlAccepted> accepted(ControlAccepted body) {
        URI location = UriComponentsBuilder.fromPath("/api/v1/workflows/{id}")
                .buildAndExpand(body.workflowId())
                .encode()
                .toUri();
        return ResponseEntity.accepted().location(location).body(body);
    }
}
