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

class RecentCancelsTests {

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

    @Test
    void findsACancelByTheIdempotencyKeyOfItsAttemptOnly() {
        RecentCancels cancels = new RecentCancels(10, Duration.ofMinutes(1), clock);
        cancels.remember(cancel("a", 2, TaskKind.TASK));

        assertThat(cancels.find("wf/a/2")).isEqualTo(cancel("a", 2, TaskKind.TASK));
        assertThat(cancels.find("wf/a/1")).isNull();
        assertThat(cancels.find("wf/a/compensation/2")).isNull();
    }

    @Test
    void forgetsACancelWhenItsTimeToLiveHasPassed() {
        RecentCancels cancels = new RecentCancels(10, Duration.ofMinutes(1), clock);
        cancels.remember(cancel("a", 1, TaskKind.TASK));
        clock.advance(Duration.ofSeconds(30));
        cancels.remember(cancel("b", 1, TaskKind.TASK));

        clock.advance(Duration.ofSeconds(30));

        assertThat(cancels.find("wf/a/1")).isNull();
        assertThat(cancels.find("wf/b/1")).isNotNull();
        assertThat(cancels.size()).isEqualTo(1);
    }

    @Test
    void forgetsTheOldestCancelsBeyondItsCapacity() {
        RecentCancels cancels = new RecentCancels(2, Duration.ofMinutes(1), clock);
        cancels.remember(cancel("a", 1, TaskKind.TASK));
        cancels.remember(cancel("b", 1, TaskKind.TASK));
        cancels.remember(cancel("a", 1, TaskKind.TASK)); // again: now the newest

        cancels.remember(cancel("c", 1, TaskKind.COMPENSATION));

        assertThat(cancels.size()).isEqualTo(2);
        assertThat(cancels.find("wf/b/1")).isNull();
        assertThat(cancels.find("wf/a/1")).isNotNull();
        assertThat(cancels.find("wf/c/compensation/1")).isNotNull();
    }
}
