package dev.tributary.submission.query;

import org.springframework.http.MediaType;
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

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    WorkflowView get(@PathVariable String id) {
        return queries.find(id).orElseThrow(() -> new WorkflowNotFoundException(id));
    }
}
