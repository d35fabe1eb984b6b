package dev.tributary.worker.execution;

import static dev.tributary.worker.KafkaTestKit.cancel;
import static dev.tributary.worker.KafkaTestKit.dispatch;
import static dev.tributary.worker.KafkaTestKit.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.EventTypes;
import dev.tributary.events.Headers;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.history.WorkflowEvent;
import dev.tributary.events.history.WorkflowEvent.TaskFailed;
import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.history.WorkflowEvent.TaskStarted;
import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.CompensatedTask;
import dev.tributary.events.task.TaskCommand.TaskCancel;
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.testsupport.TestInfra;
import dev.tributary.worker.KafkaTestKit;
import dev.tributary.worker.handler.EchoTaskHandler;
import dev.tributary.worker.handler.SleepTaskHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Cancellation and compensation context against the real embedded broker: each test has its own
 * task, events, dead-letter and cancellations topics.
 */
class CancellationIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);

    private KafkaTestKit kit;

    @AfterEach
    void closeKit() {
        if (kit != null) {
            kit.close();
        }
    }

    private static JsonNode json(String json) {
        return EventCodec.json().mapper().readTree(json);
    }

    private static <T extends WorkflowEvent> List<T> eventsOf(List<WorkflowEvent> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private List<TaskFailed> failures() {
        return eventsOf(kit.events(), TaskFailed.class);
    }

    @Test
    void aCancelInterruptsTheRunningSleepAndTheAttemptFailsAsCancelledNotRetryable() {
        kit = KafkaTestKit.create("cancel_running", "sleep");
        kit.startWorker(Map.of("tributary.worker.id", "w-1"), new SleepTaskHandler());
        kit.send(dispatch("sleep", "wf-c", "nap", json("{\"duration\": \"PT10M\"}")));
        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskStarted.class).size() == 1);

        // Neither another attempt nor the compensation of the task is this attempt.
        kit.send(new TaskCancel(
                WorkflowId.of("wf-c"), TaskId.of("nap"), 2, TaskKind.TASK, "not this attempt", Instant.now()));
        kit.send(cancel("wf-c", "nap", TaskKind.COMPENSATION, "not this kind"));
        kit.send(cancel("wf-c", "nap", TaskKind.TASK, "workflow cancelled: customer request"));

        await().atMost(WAIT).until(() -> failures().size() == 1);
        TaskFailed failed = failures().getFirst();
        assertThat(failed.taskId().value()).isEqualTo("nap");
        assertThat(failed.attempt()).isEqualTo(1);
        assertThat(failed.kind()).isEqualTo(TaskKind.TASK);
        assertThat(failed.errorCode()).isEqualTo("CANCELLED");
        assertThat(failed.retryable()).isFalse();
        assertThat(failed.message()).contains("workflow cancelled: customer request");
        assertThat(failed.workerId()).isEqualTo("w-1");
        assertThat(kit.events()).hasSize(2).first().isInstanceOf(TaskStarted.class);
        await().atMost(WAIT).until(() -> kit.committedOffset("sleep") == 1);
    }

    @Test
    void everyWorkerReceivesEveryCancelAndOnlyTheOneRunningTheAttemptReportsIt() {
        kit = KafkaTestKit.create("cancel_two", "job");
        GatedHandler first = new GatedHandler("job");
        GatedHandler second = new GatedHandler("job");
        SimpleMeterRegistry firstMeters = new SimpleMeterRegistry();
        SimpleMeterRegistry secondMeters = new SimpleMeterRegistry();
        TaskWorker one = kit.startWorker(firstMeters, Map.of("tributary.worker.id", "one"), first);
        TaskWorker two = kit.startWorker(secondMeters, Map.of("tributary.worker.id", "two"), second);
        TaskDispatch attempt = dispatch("job", "wf-2", "t", null);
        kit.send(attempt);
        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskStarted.class).size() == 1);
        String runner = eventsOf(kit.events(), TaskStarted.class).getFirst().workerId();
        TaskWorker running = runner.equals("one") ? one : two;
        GatedHandler idle = runner.equals("one") ? second : first;

        kit.send(cancel("wf-2", "t", TaskKind.TASK, "workflow cancelled"));

        await().atMost(WAIT).until(() -> failures().size() == 1);
        assertThat(failures().getFirst())
                .returns(runner, TaskFailed::workerId)
                .returns("CANCELLED", TaskFailed::errorCode);
        assertThat(runner.equals("one") ? first.interrupted : second.interrupted)
                .containsExactly("t");
        await().atMost(WAIT).until(() -> kit.committedOffset("job") == 1);
        // Both workers received the cancel and remember it.
        for (SimpleMeterRegistry meters : List.of(firstMeters, secondMeters)) {
            await().atMost(WAIT)
                    .until(() -> meters.get("tributary.worker.cancellations.remembered")
                                    .gauge()
                                    .value()
                            == 1);
        }

        // So the other worker, given the same attempt again, drops it unrun.
        running.stop(Duration.ZERO);
        kit.send(attempt);

        await().atMost(WAIT).until(() -> failures().size() == 2);
        String other = runner.equals("one") ? "two" : "one";
        assertThat(failures().getLast())
                .returns(other, TaskFailed::workerId)
                .returns("CANCELLED", TaskFailed::errorCode)
                .returns(false, TaskFailed::retryable);
        assertThat(idle.entered.get()).isZero();
        assertThat(eventsOf(kit.events(), TaskStarted.class)).hasSize(1);
        await().atMost(WAIT).until(() -> kit.committedOffset("job") == 2);
    }

    @Test
    void aCancelledAttemptThatHasNotStartedIsDroppedWithoutRunningAndItsOffsetCommitted() {
        kit = KafkaTestKit.create("cancel_queued", "job");
        GatedHandler handler = new GatedHandler("job");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        kit.startWorker(meters, Map.of("tributary.worker.concurrency", "1"), handler);
        kit.send(dispatch("job", "wf-q", "busy", null));
        kit.send(dispatch("job", "wf-q", "waiting", null));
        await().atMost(WAIT).until(() -> handler.entered.get() == 1);

        // One waits behind the busy task, the other is not even dispatched yet.
        kit.send(cancel("wf-q", "waiting", TaskKind.TASK, "workflow cancelled"));
        kit.send(cancel("wf-q", "late", TaskKind.TASK, "workflow deadline exceeded"));
        await().atMost(WAIT)
                .until(() -> meters.get("tributary.worker.cancellations.remembered")
                                .gauge()
                                .value()
                        == 2);
        assertThat(failures()).isEmpty();
        assertThat(handler.interrupted).isEmpty();
        kit.send(dispatch("job", "wf-q", "late", null));
        handler.gate.release(10);

        await().atMost(WAIT)
                .until(() -> failures().size() == 2
                        && eventsOf(kit.events(), TaskSucceeded.class).size() == 1);
        assertThat(failures())
                .extracting(f -> f.taskId().value(), TaskFailed::errorCode, TaskFailed::retryable)
                .containsExactly(tuple("waiting", "CANCELLED", false), tuple("late", "CANCELLED", false));
        assertThat(failures().getLast().message()).contains("workflow deadline exceeded");
        assertThat(eventsOf(kit.events(), TaskSucceeded.class)
                        .getFirst()
                        .taskId()
                        .value())
                .isEqualTo("busy");
        assertThat(eventsOf(kit.events(), TaskStarted.class))
                .extracting(s -> s.taskId().value())
                .containsExactly("busy");
        assertThat(handler.entered.get()).isEqualTo(1);
        await().atMost(WAIT).until(() -> kit.committedOffset("job") == 3);
    }

    @Test
    void anUndecodableCancelGoesToTheDeadLetterTopicAndTheNextCancelStillWorks() {
        kit = KafkaTestKit.create("cancel_dlt", "job");
        GatedHandler handler = new GatedHandler("job");
        kit.startWorker(Map.of(), handler);
        kit.send(dispatch("job", "wf-d", "t", null));
        await().atMost(WAIT).until(() -> handler.entered.get() == 1);
        byte[] broken = "{not json".getBytes(StandardCharsets.UTF_8);

        kit.sendRaw(kit.cancellationsTopic(), "wf-d", broken, Map.of(Headers.CE_TYPE, EventTypes.of(TaskCancel.class)));
        kit.sendRaw(kit.cancellationsTopic(), "wf-d", broken, Map.of());
        kit.send(cancel("wf-d", "t", TaskKind.TASK, "workflow cancelled"));

        await().atMost(WAIT)
                .until(() -> kit.deadLetters().size() == 2 && failures().size() == 1);
        List<ConsumerRecord<byte[], byte[]>> dead = kit.deadLetters();
        assertThat(dead).allSatisfy(record -> {
            assertThat(record.value()).isEqualTo(broken);
            assertThat(header(record, Headers.DLT_ORIGINAL_TOPIC)).isEqualTo(kit.cancellationsTopic());
            assertThat(header(record, Headers.DLT_SOURCE)).isEqualTo("worker-service");
        });
        assertThat(header(dead.get(0), Headers.DLT_REASON)).contains("TaskCancel");
        assertThat(header(dead.get(0), Headers.DLT_EXCEPTION)).endsWith("EventCodecException");
        assertThat(header(dead.get(1), Headers.DLT_REASON)).isEqualTo("missing header ce_type");
        assertThat(failures().getFirst().errorCode()).isEqualTo("CANCELLED");
        assertThat(handler.interrupted).containsExactly("t");
    }

    @Test
    void aMissingCancellationsTopicDoesNotStopTheWorkerAndIsReadOnceItExists() {
        kit = KafkaTestKit.create("cancel_missing", "job");
        String missing = TestInfra.uniqueName("cancel_missing_later");
        GatedHandler handler = new GatedHandler("job");
        handler.gate.release();
        kit.startWorker(Map.of("tributary.worker.cancellations-topic", missing), handler);
        kit.send(dispatch("job", "wf-m", "before", null));
        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskSucceeded.class).size() == 1);

        kit.send(dispatch("job", "wf-m", "blocked", null));
        await().atMost(WAIT).until(() -> handler.entered.get() == 2);
        TestInfra.kafka().createTopic(missing, 1);
        TaskCancel cancel = cancel("wf-m", "blocked", TaskKind.TASK, "workflow cancelled");
        kit.sendRaw(
                missing,
                "wf-m",
                EventCodec.json().encode(cancel),
                Map.of(Headers.CE_TYPE, EventTypes.of(TaskCancel.class)));

        await().atMost(WAIT).until(() -> failures().size() == 1);
        assertThat(failures().getFirst().errorCode()).isEqualTo("CANCELLED");
        assertThat(handler.interrupted).containsExactly("blocked");
    }

    @Test
    void aCompensationReachesTheHandlerWithTheCompensatedTasksInputAndOutput() {
        kit = KafkaTestKit.create("compensation", "echo");
        kit.startWorker(Map.of(), new EchoTaskHandler());
        WorkflowId workflow = WorkflowId.of("wf-s");
        TaskId task = TaskId.of("charge");
        kit.send(new TaskDispatch(
                workflow,
                task,
                1,
                TaskKind.COMPENSATION,
                "echo",
                json("{\"refund\": \"full\"}"),
                Map.of(TaskId.of("order"), json("{\"id\": 7}")),
                null,
                TaskDispatch.idempotencyKey(workflow, task, TaskKind.COMPENSATION, 1),
                new CompensatedTask(json("{\"amount\": 12}"), json("{\"chargeId\": \"c-1\"}"))));

        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskSucceeded.class).size() == 1);
        TaskSucceeded succeeded = eventsOf(kit.events(), TaskSucceeded.class).getFirst();
        assertThat(succeeded.kind()).isEqualTo(TaskKind.COMPENSATION);
        assertThat(succeeded.output())
                .isEqualTo(json("{\"input\": {\"refund\": \"full\"}, \"upstream\": {\"order\": {\"id\": 7}},"
                        + " \"compensates\": {\"input\": {\"amount\": 12}, \"output\": {\"chargeId\": \"c-1\"}}}"));
    }
}
