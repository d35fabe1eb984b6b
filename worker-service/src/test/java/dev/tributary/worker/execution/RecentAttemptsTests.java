package dev.tributary.worker.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RecentAttemptsTests {

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }
    }

    private final TestClock clock = new TestClock();

    private static TaskCancel cancel(String task, int attempt, TaskKind kind) {
        return new TaskCancel(WorkflowId.of("wf"), TaskId.of(task), attempt, kind, "cancelled " + task, Instant.EPOCH);
    }

    private static void remember(RecentAttempts<TaskCancel> cancels, TaskCancel cancel) {
        cancels.remember(cancel.idempotencyKey(), cancel);
    }

    @Test
    void findsACancelByTheIdempotencyKeyOfItsAttemptOnly() {
        RecentAttempts<TaskCancel> cancels = new RecentAttempts<>(10, Duration.ofMinutes(1), clock);
        remember(cancels, cancel("a", 2, TaskKind.TASK));

        assertThat(cancels.find("wf/a/2")).isEqualTo(cancel("a", 2, TaskKind.TASK));
        assertThat(cancels.find("wf/a/1")).isNull();
        assertThat(cancels.find("wf/a/compensation/2")).isNull();
    }

    @Test
    void forgetsACancelWhenItsTimeToLiveHasPassed() {
        RecentAttempts<TaskCancel> cancels = new RecentAttempts<>(10, Duration.ofMinutes(1), clock);
        remember(cancels, cancel("a", 1, TaskKind.TASK));
        clock.advance(Duration.ofSeconds(30));
        remember(cancels, cancel("b", 1, TaskKind.TASK));

        clock.advance(Duration.ofSeconds(30));

        assertThat(cancels.find("wf/a/1")).isNull();
        assertThat(cancels.find("wf/b/1")).isNotNull();
        assertThat(cancels.size()).isEqualTo(1);
    }

    @Test
    void forgetsTheOldestCancelsBeyondItsCapacity() {
        RecentAttempts<TaskCancel> cancels = new RecentAttempts<>(2, Duration.ofMinutes(1), clock);
        remember(cancels, cancel("a", 1, TaskKind.TASK));
        remember(cancels, cancel("b", 1, TaskKind.TASK));
        remember(cancels, cancel("a", 1, TaskKind.TASK)); // again: now the newest

        remember(cancels, cancel("c", 1, TaskKind.COMPENSATION));

        assertThat(cancels.size()).isEqualTo(2);
        assertThat(cancels.find("wf/b/1")).isNull();
        assertThat(cancels.find("wf/a/1")).isNotNull();
        assertThat(cancels.find("wf/c/compensation/1")).isNotNull();
    }
}
