package dev.tributary.submission.control;

import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.WorkflowCancelRequested;
import dev.tributary.events.history.WorkflowEvent.WorkflowRetryRequested;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.outbox.OutboxMessage;
import dev.tributary.outbox.OutboxWriter;
import dev.tributary.submission.SubmissionProperties;
import dev.tributary.submission.intake.UuidV7;
import dev.tributary.submission.query.WorkflowNotFoundException;
import dev.tributary.submission.query.WorkflowStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Takes cancel and retry requests: reads the workflow's projected status and, when the request
 * makes sense in it, writes the request event through the submission outbox, in one transaction.
 * The status row is share-locked until the event commits, so the projection cannot change the
 * status the decision was made on in between.
 */
@Service
public class WorkflowControl {

    private static final Logger log = LoggerFactory.getLogger(WorkflowControl.class);

    private final JdbcTemplate jdbc;
    private final OutboxWriter outbox;
    private final UuidV7 uuids;
    private final Clock clock;
    private final String eventsTopic;

    WorkflowControl(
            JdbcTemplate jdbc, OutboxWriter outbox, UuidV7 uuids, Clock clock, SubmissionProperties properties) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.uuids = uuids;
        this.clock = clock;
        this.eventsTopic = properties.eventsTopic();
    }

    /**
     * Asks for {@code action} on the workflow.
     *
     * @param reason why, if the caller said (already validated)
     * @throws WorkflowNotFoundException when no workflow has the id
     * @throws WorkflowStateConflictException when its status does not allow the action
     */
    @Transactional
    public ControlAccepted request(String workflowId, ControlAction action, @Nullable String reason) {
        List<WorkflowStatus> found = jdbc.query(
                "SELECT status FROM submission.workflow WHERE id = ? FOR SHARE",
                (rs, n) -> WorkflowStatus.valueOf(rs.getString(1)),
                workflowId);
        if (found.isEmpty()) {
            throw new WorkflowNotFoundException(workflowId);
        }
        WorkflowStatus status = found.getFirst();
        if (action.alreadyDoneIn(status)) {
            log.info("workflow {} is already {}; {} request changes nothing", workflowId, status, action);
            return new ControlAccepted(workflowId, action, status, null);
        }
        if (!action.writesIn(status)) {
            throw new WorkflowStateConflictException(workflowId, action, status);
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        WorkflowId id = WorkflowId.of(workflowId);
        WorkflowEvent event = action == ControlAction.CANCEL
                ? new WorkflowCancelRequested(id, reason, now)
                : new WorkflowRetryRequested(id, reason, now);
        UUID eventId = uuids.next();
        outbox.append(new OutboxMessage(
                eventId,
                eventsTopic,
                workflowId,
                EventTypes.of(event.getClass()),
                EventCodec.json().encodeToString(event),
                null));
        log.info("workflow {} ({}): {} requested as event {}", workflowId, status, action, eventId);
        return new ControlAccepted(workflowId, action, status, eventId);
    }
}
