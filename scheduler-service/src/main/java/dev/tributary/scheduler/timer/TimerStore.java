package dev.tributary.scheduler.timer;

import dev.tributary.events.EventTypes;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.scheduler.dag.Decision.CancelTimer;
import dev.tributary.scheduler.dag.Decision.ScheduleTimer;
import dev.tributary.scheduler.dag.Decision.TimerKey;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Arms and disarms timers; call inside the transaction that persists the decisions. */
@Repository
public class TimerStore {

    private final JdbcTemplate jdbc;

    TimerStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Arms timers, replacing any armed under the same key. */
    public void arm(List<ScheduleTimer> timers) {
        if (timers.isEmpty()) {
            return;
        }
        jdbc.batchUpdate("""
                INSERT INTO scheduler.timer (workflow_id, timer_key, due_at, event_type, payload)
                VALUES (?, ?, ?, ?, ?::jsonb)
                ON CONFLICT (workflow_id, timer_key)
                DO UPDATE SET due_at = EXCLUDED.due_at, event_type = EXCLUDED.event_type, payload = EXCLUDED.payload
                """, timers, timers.size(), (ps, timer) -> {
            ps.setString(1, timer.key().workflowId().value());
            ps.setString(2, timer.key().name());
            ps.setObject(3, OffsetDateTime.ofInstant(timer.dueAt(), ZoneOffset.UTC));
            ps.setString(4, EventTypes.of(timer.event().getClass()));
            ps.setString(5, EventCodec.json().encodeToString(timer.event()));
        });
    }

    /** Disarms timers; keys that are not armed are ignored. */
    public void disarm(List<CancelTimer> timers) {
        if (timers.isEmpty()) {
            return;
        }
        jdbc.batchUpdate(
                "DELETE FROM scheduler.timer WHERE workflow_id = ? AND timer_key = ?",
                timers,
                timers.size(),
                (ps, timer) -> {
                    TimerKey key = timer.key();
                    ps.setString(1, key.workflowId().value());
                    ps.setString(2, key.name());
                });
    }
}
