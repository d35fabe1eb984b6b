package dev.tributary.submission.intake;

import dev.tributary.submission.query.WorkflowView;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import org.springframework.http.MediaType;
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

    private final WorkflowIntake intake;
    private final RequestBodyReader bodyReader;

    WorkflowIntakeController(WorkflowIntake intake, RequestBodyReader bodyReader) {
        this.intake = intake;
        this.bodyReader = bodyReader;
    }

    @PostMapping(
            consumes = {MediaType.APPLICATION_JSON_VALUE, "application/*+json"},
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<WorkflowView> submit(HttpServletRequest request) throws IOException {
        byte[] body = bodyReader.read(request.getInputStream(), request.getContentLengthLong());
        WorkflowIntake.Result result = intake.submit(body);
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
