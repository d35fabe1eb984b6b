package dev.tributary.submission;

import dev.tributary.consumer.ReplayRunningException;
import dev.tributary.submission.control.ControlAction;
import dev.tributary.submission.control.InvalidControlRequestException;
import dev.tributary.submission.control.WorkflowStateConflictException;
import dev.tributary.submission.intake.FieldError;
import dev.tributary.submission.intake.InvalidSubmissionException;
import dev.tributary.submission.intake.PayloadTooLargeException;
import dev.tributary.submission.intake.WorkflowConflictException;
import dev.tributary.submission.query.InvalidQueryException;
import dev.tributary.submission.query.WorkflowNotFoundException;
import dev.tributary.submission.rebuild.InvalidReplayRequestException;
import dev.tributary.submission.rebuild.ReplayNotAvailableException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Maps every error of the HTTP API to an RFC 9457 problem ({@code application/problem+json}).
 * Rejected submissions list each problem as {@code errors: [{pointer, reason}]}, bad query
 * parameters as {@code errors: [{parameter, reason}]}, bad control request bodies as {@code errors:
 * [{pointer, reason}]}, control requests the status does not allow as {@code 409} with {@code
 * workflowId}, {@code workflowStatus} and {@code action}; problems name the
 * ids involved and quote no more than short, truncated values. Spring MVC's own errors (unsupported
 * media type, unknown path, ...) are handled by the base class, also as problems.
 */
@RestControllerAdvice
class ApiProblems extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiProblems.class);
    private static final String TYPE_BASE = "https://tributary.dev/problems/";

    @ExceptionHandler
    ResponseEntity<ProblemDetail> invalidSubmission(InvalidSubmissionException e, HttpServletRequest request) {
        HttpStatus status = e.malformed() ? HttpStatus.BAD_REQUEST : HttpStatus.UNPROCESSABLE_CONTENT;
        int count = e.errors().size();
        ProblemDetail problem = problem(
                status,
                e.malformed() ? "malformed-submission" : "invalid-submission",
                e.malformed() ? "Malformed workflow submission" : "Invalid workflow submission",
                "The submission has " + count + (count == 1 ? " error" : " errors") + "; nothing was stored.",
                request);
        problem.setProperty("errors", e.errors());
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> tooLarge(PayloadTooLargeException e, HttpServletRequest request) {
        ProblemDetail problem = problem(
                HttpStatus.CONTENT_TOO_LARGE,
                "submission-too-large",
                "Workflow submission too large",
                "The request body is larger than " + e.limitBytes() + " bytes; nothing was stored.",
                request);
        problem.setProperty("maxBytes", e.limitBytes());
        problem.setProperty(
                "errors", List.of(Map.of("pointer", "", "reason", "is larger than " + e.limitBytes() + " bytes")));
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> conflict(WorkflowConflictException e, HttpServletRequest request) {
        ProblemDetail problem = problem(
                HttpStatus.CONFLICT,
                "workflow-conflict",
                "Workflow id already used",
                "Workflow '" + e.workflowId() + "' already exists with a different definition: "
                        + String.join("; ", e.differences()) + ". Resubmit the same definition or use another id.",
                request);
        problem.setProperty("workflowId", e.workflowId());
        problem.setProperty("differences", e.differences());
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> notFound(WorkflowNotFoundException e, HttpServletRequest request) {
        ProblemDetail problem = problem(
                HttpStatus.NOT_FOUND,
                "workflow-not-found",
                "Workflow not found",
                "No workflow has the id '" + clip(e.workflowId()) + "'.",
                request);
        problem.setProperty("workflowId", clip(e.workflowId()));
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> invalidControlRequest(InvalidControlRequestException e, HttpServletRequest request) {
        ProblemDetail problem = problem(
                HttpStatus.BAD_REQUEST,
                "invalid-control-request",
                "Invalid request body",
                "The body must be empty or {\"reason\": \"...\"}; problem at "
                        + String.join(
                                ", ",
                                e.errors().stream()
                                        .map(error -> error.pointer().isEmpty() ? "the body" : error.pointer())
                                        .toList())
                        + ". Nothing was written.",
                request);
        problem.setProperty("errors", e.errors());
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> stateConflict(WorkflowStateConflictException e, HttpServletRequest request) {
        ProblemDetail problem = problem(
                HttpStatus.CONFLICT,
                "workflow-state-conflict",
                e.action() == ControlAction.CANCEL ? "Workflow cannot be cancelled" : "Workflow cannot be retried",
                "Workflow '" + clip(e.workflowId()) + "' is " + e.status() + ": " + e.why() + ". Nothing was written.",
                request);
        problem.setProperty("workflowId", clip(e.workflowId()));
        problem.setProperty("workflowStatus", e.status().name());
        problem.setProperty("action", e.action().name());
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> invalidQuery(InvalidQueryException e, HttpServletRequest request) {
        int count = e.errors().size();
        ProblemDetail problem = problem(
                HttpStatus.BAD_REQUEST,
                "invalid-query",
                "Invalid query parameters",
                "The request has " + count + (count == 1 ? " bad query parameter: " : " bad query parameters: ")
                        + String.join(
                                ", ",
                                e.errors().stream()
                                        .map(InvalidQueryException.ParameterError::parameter)
                                        .distinct()
                                        .toList())
                        + ".",
                request);
        problem.setProperty("errors", e.errors());
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> replayRunning(ReplayRunningException e, HttpServletRequest request) {
        ProblemDetail problem = problem(
                HttpStatus.CONFLICT,
                "rebuild-running",
                "A rebuild or replay is running",
                "A rebuild or replay of this state is already running: " + e.getMessage()
                        + ". Follow it with GET on the same path; start again once it is FINISHED.",
                request);
        problem.setProperty("state", e.status().state().name());
        problem.setProperty("consumerGroup", e.status().consumerGroup());
        problem.setProperty("replayed", e.status().replayed());
        problem.setProperty("total", e.status().total());
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> invalidReplayRequest(InvalidReplayRequestException e, HttpServletRequest request) {
        ProblemDetail problem = problem(
                HttpStatus.BAD_REQUEST,
                "invalid-replay-request",
                "Invalid request body",
                "The body must be empty or {\"from\": \"<ISO-8601 instant>\"}; problem at "
                        + String.join(
                                ", ",
                                e.errors().stream()
                                        .map(error -> error.pointer().isEmpty() ? "the body" : error.pointer())
                                        .toList())
                        + ": "
                        + String.join(
                                "; ",
                                e.errors().stream().map(FieldError::reason).toList())
                        + ". Nothing was started.",
                request);
        problem.setProperty("errors", e.errors());
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> replayNotAvailable(ReplayNotAvailableException e, HttpServletRequest request) {
        return respond(
                problem(HttpStatus.NOT_FOUND, "replay-not-available", "Not available here", e.getMessage(), request));
    }

    @ExceptionHandler({TransientDataAccessException.class, CannotGetJdbcConnectionException.class})
    ResponseEntity<ProblemDetail> storageUnavailable(RuntimeException e, HttpServletRequest request) {
        log.warn("{} {} failed: database unavailable: {}", request.getMethod(), request.getRequestURI(), e.toString());
        ProblemDetail problem = problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "storage-unavailable",
                "Storage unavailable",
                reading(request)
                        ? "The database is unavailable. Retry later."
                        : "The database is unavailable; nothing was stored. Retry later with the same workflow id.",
                request);
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, "1")
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request) {
        log.error("{} {} failed", request.getMethod(), request.getRequestURI(), e);
        ProblemDetail problem = problem(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "internal-error",
                "Internal error",
                reading(request)
                        ? "The request failed; the server log has the details."
                        : "The request failed and nothing was stored; the server log has the details.",
                request);
        return respond(problem);
    }

    private static ProblemDetail problem(
            HttpStatus status, String type, String title, String detail, HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPE_BASE + type));
        problem.setTitle(title);
        try {
            problem.setInstance(URI.create(request.getRequestURI()));
        } catch (IllegalArgumentException notAUri) {
            // leave the instance out rather than fail while reporting a failure
        }
        return problem;
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    /** Whether the request only reads (then "nothing was stored" would be beside the point). */
    private static boolean reading(HttpServletRequest request) {
        return "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
    }

    private static String clip(String value) {
        return value.length() <= 128 ? value : value.substring(0, 128) + "…";
    }
}
