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
        assertThat(SendRounds.of(List.of(record("history", "w1"), record("history", "w2"), record("history", "w1"))))
                .containsExactly(List.of(0, 1, 2));
    }

    @Test
    void aKeysEventOnAnotherTopicGoesOneRoundAfterItsPredecessors() {
        assertThat(SendRounds.of(List.of(
                        record("history", "w1"),
                        record("tasks.a", "w1"),
                        record("tasks.a", "w1"),
                        record("history", "w2"),
                        record("history", "w1"),
                        record("tasks.b", "w1"))))
                .containsExactly(List.of(0, 3), List.of(1, 2), List.of(4), List.of(5));
    }

    @Test
    void deliveredEventsAreLeftOutUnlessAnEarlierEventOfTheirTopicAndKeyIsSentAgain() {
        List<ProducerRecord<byte[], byte[]>> records = Arrays.asList(
                record("history", "w1"),
                null,
                record("tasks.a", "w2"),
                record("history", "w1"),
                record("history", "w3"));

        // 0 failed, 2-4 were delivered: 3 is sent again after 0 (same topic and key), 2 and 4 are not.
        assertThat(SendRounds.of(records, i -> i != 0)).containsExactly(List.of(0, 3));
        assertThat(SendRounds.of(records, i -> true)).isEmpty();
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), new byte[0]);
    }
}
