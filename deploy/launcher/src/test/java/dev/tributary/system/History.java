package dev.tributary.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.testsupport.KafkaTestConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;

/** Reads a test system's history topic and checks what it proves. */
final class History implements AutoCloseable {

    /** One history record: its ce_id and the decoded event, in log order. */
    record Entry(String ceId, WorkflowEvent event) {}

    private final KafkaTestConsumer consumer;

    History(KafkaTestConsumer consumer) {
        this.consumer = consumer;
    }

    /** The workflow's history as far as it has been read, in log order. */
    List<Entry> of(String workflowId) {
        consumer.poll();
        List<Entry> entries = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : consumer.received()) {
            if (!workflowId.equals(KafkaTestConsumer.text(record.key()))) {
                continue;
            }
            String type = KafkaTestConsumer.header(record, Headers.CE_TYPE);
            String id = KafkaTestConsumer.header(record, Headers.CE_ID);
            if (type == null || id == null) {
                continue;
            }
            entries.add(new Entry(id, EventCodec.json().decodeEvent(type, record.value())));
        }
        return entries;
    }

    /** The raw records of the workflow read so far, in log order. */
    List<ConsumerRecord<byte[], byte[]>> records(String workflowId) {
        consumer.poll();
        return consumer.received().stream()
                .filter(record -> workflowId.equals(KafkaTestConsumer.text(record.key())))
                .toList();
    }

    /** Waits until the history shows the workflow's final event and returns the history then. */
    List<Entry> awaitFinished(String workflowId) {
        List<List<Entry>> result = new ArrayList<>();
        Awaitility.await("history of " + workflowId + " ends")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    List<Entry> entries = of(workflowId);
                    boolean finished = entries.stream()
                            .anyMatch(e -> e.event() instanceof WorkflowEvent.WorkflowSucceeded
                                    || e.event() instanceof WorkflowEvent.WorkflowFailed
                                    || e.event() instanceof WorkflowEvent.WorkflowCancelled);
                    if (finished) {
                        result.add(entries);
                    }
                    return finished;
                });
        return result.getFirst();
    }

    /**
     * Asserts from the log alone that no task started before every task it depends on had
     * succeeded, that each task was released in exactly one release event (duplicates of the same
     * ce_id are redeliveries, allowed), and that every task succeeded.
     */
    static void assertRanInDependencyOrder(List<Entry> history, Map<String, List<String>> dependencies) {
        Set<String> succeeded = new HashSet<>();
        Map<String, Set<String>> releases = new HashMap<>();
        Set<String> seenIds = new HashSet<>();
        for (Entry entry : history) {
            boolean redelivery = !seenIds.add(entry.ceId());
            switch (entry.event()) {
                case WorkflowEvent.TaskStarted started -> {
                    String task = started.taskId().value();
                    assertThat(succeeded)
                            .as("task %s started before all of %s succeeded", task, dependencies.get(task))
                            .containsAll(dependencies.get(task));
                }
                case WorkflowEvent.TaskSucceeded done ->
                    succeeded.add(done.taskId().value());
                case WorkflowEvent.TasksDispatched dispatched -> {
                    if (!redelivery) {
                        dispatched
                                .tasks()
                                .forEach(task -> releases.computeIfAbsent(
                                                task.taskId().value() + "#" + task.attempt(), k -> new HashSet<>())
                                        .add(entry.ceId()));
                    }
                }
                default -> {}
            }
        }
        assertThat(succeeded).as("succeeded tasks").containsExactlyInAnyOrderElementsOf(dependencies.keySet());
        releases.forEach((attempt, ids) ->
                assertThat(ids).as("release events of %s", attempt).hasSize(1));
        assertThat(releases).as("released attempts").hasSize(dependencies.size());
    }

    @Override
    public void close() {
        consumer.close();
    }
}
