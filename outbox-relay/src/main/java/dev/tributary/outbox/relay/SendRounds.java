package dev.tributary.outbox.relay;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;

/**
 * Order per key across topics. The idempotent producer keeps the order of one partition only, so
 * when a workflow's outbox rows go to two topics — the scheduler's {@code TasksDispatched} to the
 * history topic, then the {@code TaskDispatch} to a task topic — the second can be acknowledged
 * first (another partition leader, a failed first send, a crash between the two), a worker can run
 * the task and append its {@code TaskStarted} to the history before the release is there, and the
 * log no longer tells the story in causal order (a replay would see the report before the release).
 *
 * <p>Every relay therefore sends a batch in rounds: an event goes in the round after the last
 * earlier event of its key on another topic, and in the same round as an earlier event of its key
 * on the same topic (whose order the producer keeps). A round is sent only once the previous one
 * is acknowledged. A batch of independent workflows is one round; the scheduler's usual batch
 * (history event, then its dispatches) is two.
 */
public final class SendRounds {

    private SendRounds() {}

    /**
     * The indexes of the records to send, round by round, each round in outbox order. A record
     * already delivered is left out unless an earlier record with its topic and key is sent now:
     * then it is sent again after it, so that key's order on that topic holds (a duplicate with the
     * same {@code ce_id}, which consumers absorb). A delivered record no longer constrains later
     * ones: it is on the log.
     *
     * @param records the batch in outbox order; null entries (not outbox events) are left out
     * @param delivered whether the record at an index was acknowledged by an earlier attempt
     */
    public static List<List<Integer>> of(
            List<? extends @Nullable ProducerRecord<byte[], byte[]>> records, IntPredicate delivered) {
        List<List<Integer>> rounds = new ArrayList<>();
        Map<String, Integer> lastRound = new HashMap<>();
        Map<String, String> lastTopic = new HashMap<>();
        Set<String> sentTopicKeys = new HashSet<>();
        for (int i = 0; i < records.size(); i++) {
            ProducerRecord<byte[], byte[]> record = records.get(i);
            if (record == null) {
                continue;
            }
            String key = record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
            String topicKey = record.topic() + '\u0000' + key;
            if (delivered.test(i) && !sentTopicKeys.contains(topicKey)) {
                continue;
            }
            sentTopicKeys.add(topicKey);
            Integer previous = lastRound.get(key);
            int round = previous == null ? 0 : record.topic().equals(lastTopic.get(key)) ? previous : previous + 1;
            while (rounds.size() <= round) {
                rounds.add(new ArrayList<>());
            }
            rounds.get(round).add(i);
            lastRound.put(key, round);
            lastTopic.put(key, record.topic());
        }
        return rounds;
    }

    /** {@link #of(List, IntPredicate)} of a batch none of which was delivered yet. */
    public static List<List<Integer>> of(List<? extends ProducerRecord<byte[], byte[]>> records) {
        return of(records, i -> false);
    }
}
