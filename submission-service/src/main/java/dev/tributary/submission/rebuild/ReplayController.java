package dev.tributary.submission.rebuild;

import dev.tributary.consumer.ReplayStatus;
import dev.tributary.submission.kafkaintake.KafkaIntakeReplay;
import dev.tributary.submission.projection.ProjectionRebuild;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Instant;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Starts and reports replays: {@code POST /admin/rebuild/projection} (optional body {@code {"from":
 * "<ISO instant>"}}) and {@code POST /admin/replay/kafka-intake} (body {@code {"from": "<ISO
 * instant>"}}) answer 202 with the status, 409 {@code rebuild-running} while one runs, 400 naming
 * the field for a bad body, 404 when the consumer is switched off here; {@code GET} on the same
 * paths reports the last or running one.
 */
@RestController
class ReplayController {

    static final String PROJECTION = "/admin/rebuild/projection";
    static final String KAFKA_INTAKE = "/admin/replay/kafka-intake";

    private final ObjectProvider<ProjectionRebuild> projection;
    private final ObjectProvider<KafkaIntakeReplay> kafkaIntake;

    ReplayController(ObjectProvider<ProjectionRebuild> projection, ObjectProvider<KafkaIntakeReplay> kafkaIntake) {
        this.projection = projection;
        this.kafkaIntake = kafkaIntake;
    }

    @PostMapping(path = PROJECTION, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ReplayStatus> rebuildProjection(HttpServletRequest request) throws IOException {
        ProjectionRebuild rebuild = projection();
        return ResponseEntity.accepted().body(rebuild.start(ReplayRequestReader.from(request.getInputStream(), false)));
    }

    @GetMapping(path = PROJECTION, produces = MediaType.APPLICATION_JSON_VALUE)
    ReplayStatus projectionStatus() {
        return projection().status();
    }

    @PostMapping(path = KAFKA_INTAKE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ReplayStatus> replayKafkaIntake(HttpServletRequest request) throws IOException {
        KafkaIntakeReplay replay = kafkaIntake();
        Instant from = ReplayRequestReader.from(request.getInputStream(), true);
        if (from == null) {
            throw new IllegalStateException("the reader requires 'from'");
        }
        return ResponseEntity.accepted().body(replay.start(from));
    }

    @GetMapping(path = KAFKA_INTAKE, produces = MediaType.APPLICATION_JSON_VALUE)
    ReplayStatus kafkaIntakeStatus() {
        return kafkaIntake().status();
    }

    private ProjectionRebuild projection() {
        ProjectionRebuild rebuild = projection.getIfAvailable();
        if (rebuild == null) {
            throw new ReplayNotAvailableException(
                    "The status projection is switched off on this instance (tributary.submission.projection.enabled).");
        }
        return rebuild;
    }

    private KafkaIntakeReplay kafkaIntake() {
        KafkaIntakeReplay replay = kafkaIntake.getIfAvailable();
        if (replay == null) {
            throw new ReplayNotAvailableException(
                    "The Kafka intake is switched off on this instance (tributary.submission.kafka-intake.enabled).");
        }
        return replay;
    }
}
