package dev.tributary.worker.execution;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTests {

    private final OffsetTracker tracker = new OffsetTracker(new TopicPartition("t", 0));

    @Test
    void commitsNothingUntilTheFirstRecordIsDone() {
        tracker.received(10);
        tracker.received(11);
        tracker.done(11);

        assertThat(tracker.toCommit()).isEmpty();
        assertThat(tracker.pending()).isEqualTo(1);
    }

    @Test
    void commitsOnePastTheHighestContiguousDoneRecord() {
        tracker.received(10);
        tracker.received(11);
        tracker.received(12);
        tracker.done(11);
        tracker.done(10);

        assertThat(tracker.toCommit()).hasValue(12);

        tracker.done(12);
        assertThat(tracker.toCommit()).hasValue(13);
    }

    @Test
    void toleratesGapsInOffsets() {
        tracker.received(3);
        tracker.received(7); // 4-6 were compacted away or are transaction markers
        tracker.done(3);
        tracker.done(7);

        assertThat(tracker.toCommit()).hasValue(8);
    }

    @Test
    void offersEachOffsetOnceUnlessItsCommitFailed() {
        tracker.received(0);
        tracker.done(0);
        tracker.commitRequested(1);

        assertThat(tracker.toCommit()).isEmpty();

        tracker.commitFailed(1);
        assertThat(tracker.toCommit()).hasValue(1);
    }

    @Test
    void ignoresOffsetsItNeverReceived() {
        tracker.received(5);
        tracker.done(4);

        assertThat(tracker.toCommit()).isEmpty();
        assertThat(tracker.pending()).isEqualTo(1);
    }
}
