package dev.tributary.scheduler.rebuild;

import dev.tributary.consumer.ReplayRunningException;
import dev.tributary.consumer.ReplayStatus;
import dev.tributary.scheduler.history.SchedulerRebuild;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /admin/rebuild/scheduler} starts a rebuild of the scheduler state (202 with its
 * status; 409 {@code rebuild-running} while one runs); {@code GET} reports the last or running one:
 * records replayed / total per partition.
 */
@RestController
class RebuildController {

    static final String PATH = "/admin/rebuild/scheduler";
    private static final String TYPE_BASE = "https://tributary.dev/problems/";

    private final SchedulerRebuild rebuild;

    RebuildController(SchedulerRebuild rebuild) {
        this.rebuild = rebuild;
    }

    /** The body, if any, is ignored: the scheduler state is always rebuilt from the beginning. */
    @PostMapping(PATH)
    ResponseEntity<ReplayStatus> start() {
        return ResponseEntity.accepted().body(rebuild.start());
    }

    @GetMapping(PATH)
    ReplayStatus status() {
        return rebuild.status();
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> running(ReplayRunningException e) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
        problem.setType(URI.create(TYPE_BASE + "rebuild-running"));
        problem.setTitle("A rebuild is running");
        problem.setInstance(URI.create(PATH));
        problem.setProperty("state", e.status().state());
        problem.setProperty("replayed", e.status().replayed());
        problem.setProperty("total", e.status().total());
        return ResponseEntity.status(HttpStatus.CONFLICT)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
