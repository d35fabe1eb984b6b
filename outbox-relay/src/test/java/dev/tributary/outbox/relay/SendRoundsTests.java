package dev.tributary.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class SendRoundsTests {

    @Test
    void independentKeysAndOneTopicPerKeyAreOneRound() {
        int[] rounds = SendRounds.of(
                List.of(record("history", "w1"), record("history", "w2"), record("history", "w1")), i -> false);

        assertThat(rounds).containsExactly(0, 0, 0);
        assertThat(SendRounds.count(rounds)).isEqualTo(1);
    }

    @Test
    void aKeysEventOnAnotherTopicGoesOneRoundAfterItsPredecessors() {
        int[] rounds = SendRounds.of(
                List.of(
                        record("history", "w1"),
                        record("tasks.a", "w1"),
                        record("tasks.a", "w1"),
                        record("history", "w2"),
                        record("history", "w1"),
                        record("tasks.b", "w1")),
                i -> false);

        assertThat(rounds).containsExactly(0, 1, 1, 0, 2, 3);
        assertThat(SendRounds.count(rounds)).isEqualTo(4);
    }

    @Test
    void deliveredEventsAreSkippedUnlessAnEarlierEventOfTheirTopicAndKeyIsSentAgain() {
        List<ProducerRecord<byte[], byte[]>> records = Arrays.asList(
                record("history", "w1"),
                null,
                record("tasks.a", "w2"),
                record("history", "w1"),
                record("history", "w3"));

        // 0 failed, 2-4 were delivered: 3 is sent again after 0 (same topic and key), 2 and 4 are not.
        int[] rounds = SendRounds.of(records, i -> i != 0);

        assertThat(rounds).containsExactly(0, SendRounds.SKIP, SendRounds.SKIP, 0, SendRounds.SKIP);
        assertThat(SendRounds.count(SendRounds.of(records, i -> true))).isZero();
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), new byte[0]);
    }
}
