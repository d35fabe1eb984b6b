package dev.tributary.scheduler.timer;

import dev.tributary.outbox.OutboxMessage;
import dev.tributary.outbox.OutboxWriter;
import dev.tributary.scheduler.SchedulerProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Fires due timers: in one transaction, deletes a batch of due timers and appends each one's event
 * to the outbox (key = workflow id, topic = the history log). Several instances may poll at once
 * ({@code FOR UPDATE SKIP LOCKED}); a crash between the two steps is impossible, as both commit
 * together. A timer fires at most once; its event may still be applied late or be stale, which
 * the state machine ignores.
 */
@Component
public class TimerPoller implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TimerPoller.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final OutboxWriter outbox;
    private final SchedulerProperties properties;
    private final Clock clock;
    private final Counter fired;
    private @Nullable ScheduledExecutorService executor;

    TimerPoller(
            JdbcTemplate jdbc,
            TransactionTemplate transactions,
            OutboxWriter outbox,
            SchedulerProperties properties,
            MeterRegistry meters) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.outbox = outbox;
        this.properties = properties;
        this.clock = Clock.systemUTC();
        this.fired = Counter.builder("tributary.scheduler.timers.fired")
                .description("Timers whose event was appended to the outbox")
                .register(meters);
    }

    /** Fires the timers due now, one batch after another; returns how many fired. */
    public int fireDue() {
        int total = 0;
        while (true) {
            Integer count = transactions.execute(status -> fireBatch());
            int batch = count == null ? 0 : count;
            total += batch;
            if (batch < properties.timers().batchSize()) {
                return total;
            }
        }
    }

    private int fireBatch() {
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        List<OutboxMessage> messages = jdbc.query(
                """
                DELETE FROM scheduler.timer t
                USING (SELECT workflow_id, timer_key FROM scheduler.timer
                       WHERE due_at <= ? ORDER BY due_at LIMIT ? FOR UPDATE SKIP LOCKED) due
                WHERE t.workflow_id = due.workflow_id AND t.timer_key = due.timer_key
                RETURNING t.workflow_id, t.event_type, t.payload::text AS payload
                """,
                (rs, row) -> new OutboxMessage(
                        UUID.randomUUID(),
                        properties.eventsTopic(),
                        rs.getString("workflow_id"),
                        rs.getString("event_type"),
                        rs.getString("payload"),
                        null),
                now,
                properties.timers().batchSize());
        outbox.appendAll(messages);
        fired.increment(messages.size());
        return messages.size();
    }

    @Override
    public synchronized void start() {
        if (executor != null || !properties.timers().enabled()) {
            return;
        }
        ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "scheduler-timers");
            thread.setDaemon(true);
            return thread;
        });
        long interval = Math.max(1, properties.timers().pollInterval().toMillis());
        started.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
        executor = started;
    }

    private void tick() {
        try {
            fireDue();
        } catch (RuntimeException e) {
            log.warn(
                    "firing due timers failed; retrying in {}",
                    properties.timers().pollInterval(),
                    e);
        }
    }

    /**
     * Stops polling. A firing in progress is interrupted: it is one transaction, so it either
     * committed already or rolls back and its timers fire on the next start.
     */
    @Override
    public synchronized void stop() {
        ScheduledExecutorService running = executor;
        if (running == null) {
            return;
        }
        executor = null;
        running.shutdownNow();
        try {
            if (!running.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("timer poller did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return executor != null;
    }
}
