package dev.tributary.worker.execution;

import static dev.tributary.worker.KafkaTestKit.dispatch;
import static dev.tributary.worker.KafkaTestKit.header;
import static dev.tributary.worker.KafkaTestKit.key;
import static org.assertj.core.api.Assertions.assertThat;
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
import dev.tributary.events.task.TaskCommand.TaskDispatch;
import dev.tributary.worker.KafkaTestKit;
import dev.tributary.worker.handler.EchoTaskHandler;
import dev.tributary.worker.handler.PermanentTaskException;
import dev.tributary.worker.handler.RetryableTaskException;
import dev.tributary.worker.handler.TaskHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** The worker against the real embedded broker: each test has its own topics and groups. */
class TaskWorkerIntegrationTests {

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

    @Test
    void publishesTaskStartedThenTaskSucceededWithCloudEventsHeadersAndTheOutput() {
        kit = KafkaTestKit.create("succeeds", "echo");
        kit.startWorker(Map.of("tributary.worker.id", "worker-1"), new EchoTaskHandler());
        TaskDispatch first = dispatch(
                "echo",
                "wf-1",
                "b",
                json("{\"n\": 1}"),
                Map.of(TaskId.of("a"), json("{\"from\": \"a\"}")),
                null,
                TaskKind.TASK);
        TaskDispatch compensation =
                dispatch("echo", "wf-2", "undo", json("\"x\""), Map.of(), null, TaskKind.COMPENSATION);

        kit.send(first);
        kit.send(compensation);

        await().atMost(WAIT).until(() -> kit.eventRecords().size() >= 4);
        assertThat(kit.eventRecords()).hasSize(4);
        // The two tasks run concurrently; each workflow's events are in order on its key.
        List<ConsumerRecord<byte[], byte[]>> records =
                kit.eventRecords().stream().filter(r -> "wf-1".equals(key(r))).toList();
        List<WorkflowEvent> events = records.stream()
                .map(r -> EventCodec.json().decodeEvent(header(r, Headers.CE_TYPE), r.value()))
                .toList();
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).isInstanceOfSatisfying(TaskStarted.class, started -> {
            assertThat(started.workflowId().value()).isEqualTo("wf-1");
            assertThat(started.taskId().value()).isEqualTo("b");
            assertThat(started.attempt()).isEqualTo(1);
            assertThat(started.kind()).isEqualTo(TaskKind.TASK);
            assertThat(started.workerId()).isEqualTo("worker-1");
        });
        assertThat(events.get(1)).isInstanceOfSatisfying(TaskSucceeded.class, succeeded -> {
            assertThat(succeeded.taskId().value()).isEqualTo("b");
            assertThat(succeeded.workerId()).isEqualTo("worker-1");
            assertThat(succeeded.output())
                    .isEqualTo(json("{\"input\": {\"n\": 1}, \"upstream\": {\"a\": {\"from\": \"a\"}}}"));
            assertThat(succeeded.finishedAt()).isAfterOrEqualTo(((TaskStarted) events.get(0)).startedAt());
        });
        List<WorkflowEvent> compensationEvents = kit.events().stream()
                .filter(e -> e.workflowId().value().equals("wf-2"))
                .toList();
        assertThat(compensationEvents).hasSize(2);
        assertThat(compensationEvents.get(0))
                .isInstanceOfSatisfying(
                        TaskStarted.class, started -> assertThat(started.kind()).isEqualTo(TaskKind.COMPENSATION));
        assertThat(compensationEvents.get(1))
                .isInstanceOfSatisfying(
                        TaskSucceeded.class,
                        succeeded -> assertThat(succeeded.kind()).isEqualTo(TaskKind.COMPENSATION));

        for (int i = 0; i < 2; i++) {
            ConsumerRecord<byte[], byte[]> record = records.get(i);
            assertThat(header(record, Headers.CE_SPECVERSION)).isEqualTo("1.0");
            assertThat(UUID.fromString(header(record, Headers.CE_ID))).isNotNull();
            assertThat(header(record, Headers.CE_TYPE))
                    .isEqualTo(EventTypes.of(events.get(i).getClass()));
            assertThat(header(record, Headers.CE_SOURCE)).isEqualTo("/tributary/worker-service");
            assertThat(header(record, Headers.CE_SUBJECT)).isEqualTo("wf-1");
            assertThat(Instant.parse(header(record, Headers.CE_TIME))).isNotNull();
            assertThat(header(record, Headers.CONTENT_TYPE)).isEqualTo("application/json");
            assertThat(header(record, Headers.TRACEPARENT)).isEqualTo(KafkaTestKit.TRACEPARENT);
        }
        assertThat(kit.eventRecords().stream()
                        .map(r -> header(r, Headers.CE_ID))
                        .distinct())
                .hasSize(4);
        await().atMost(WAIT).until(() -> kit.committedOffset("echo") == 2);
    }

    /** Fails as its input says: {"throw": "retryable" | "permanent" | "unexpected"}, else succeeds. */
    private static final class ThrowingHandler implements TaskHandler {
        @Override
        public String type() {
            return "flaky";
        }

        @Override
        public JsonNode handle(dev.tributary.worker.handler.TaskContext context) {
            return switch (context.input().path("throw").stringValue("")) {
                case "retryable" -> throw new RetryableTaskException("UPSTREAM_DOWN", "upstream is down");
                case "permanent" -> throw new PermanentTaskException("INVALID_ORDER", "order 7 is invalid");
                case "unexpected" -> throw new IllegalStateException("bug in the handler");
                default -> JsonNodeFactory.instance.objectNode().put("ok", true);
            };
        }
    }

    @Test
    void aThrowingHandlerYieldsTaskFailedWithTheRetryableFlagAndTheConsumerKeepsConsuming() {
        kit = KafkaTestKit.create("fails", "flaky");
        kit.startWorker(Map.of(), new ThrowingHandler());

        kit.send(dispatch("flaky", "wf", "retryable", json("{\"throw\": \"retryable\"}")));
        kit.send(dispatch("flaky", "wf", "permanent", json("{\"throw\": \"permanent\"}")));
        kit.send(dispatch("flaky", "wf", "unexpected", json("{\"throw\": \"unexpected\"}")));
        kit.send(dispatch("flaky", "wf", "fine", json("{}")));

        await().atMost(WAIT).until(() -> kit.events().size() >= 8);
        List<WorkflowEvent> events = kit.events();
        Map<String, TaskFailed> failed = eventsOf(events, TaskFailed.class).stream()
                .collect(Collectors.toMap(f -> f.taskId().value(), f -> f));
        assertThat(failed).containsOnlyKeys("retryable", "permanent", "unexpected");
        assertThat(failed.get("retryable"))
                .returns("UPSTREAM_DOWN", TaskFailed::errorCode)
                .returns("upstream is down", TaskFailed::message)
                .returns(true, TaskFailed::retryable);
        assertThat(failed.get("permanent"))
                .returns("INVALID_ORDER", TaskFailed::errorCode)
                .returns(false, TaskFailed::retryable);
        assertThat(failed.get("unexpected"))
                .returns("HANDLER_ERROR", TaskFailed::errorCode)
                .returns(true, TaskFailed::retryable);
        assertThat(failed.get("unexpected").message()).contains("IllegalStateException", "bug in the handler");
        assertThat(eventsOf(events, TaskSucceeded.class))
                .singleElement()
                .satisfies(s -> assertThat(s.output()).isEqualTo(json("{\"ok\": true}")));
        await().atMost(WAIT).until(() -> kit.committedOffset("flaky") == 4);
    }

    @Test
    void anUndecodableRecordGoesToTheDeadLetterTopicWithTheReasonAndTheNextRecordIsProcessed() {
        kit = KafkaTestKit.create("dlt", "echo");
        kit.startWorker(Map.of(), new EchoTaskHandler());
        String topic = kit.tasksTopic("echo");
        String dispatchType = EventTypes.of(TaskDispatch.class);
        byte[] badJson = "{not json".getBytes(StandardCharsets.UTF_8);
        byte[] validDispatch = EventCodec.json().encode(dispatch("echo", "wf-ok", "t", json("1")));

        kit.sendRaw(topic, "wf-bad", badJson, Map.of(Headers.CE_TYPE, dispatchType));
        kit.sendRaw(topic, "wf-unknown", validDispatch, Map.of(Headers.CE_TYPE, "tributary.nonsense.v9"));
        kit.sendRaw(topic, null, validDispatch, Map.of());
        kit.sendRaw(
                topic,
                "wf-type",
                EventCodec.json().encode(dispatch("http", "wf-type", "t", null)),
                Map.of(Headers.CE_TYPE, dispatchType));
        kit.send(dispatch("echo", "wf-ok", "t", json("{\"after\": \"the bad ones\"}")));

        await().atMost(WAIT)
                .until(() -> kit.deadLetters().size() >= 4
                        && eventsOf(kit.events(), TaskSucceeded.class).size() == 1);
        List<ConsumerRecord<byte[], byte[]>> dead = kit.deadLetters();
        assertThat(dead).hasSize(4);
        assertThat(dead).extracting(KafkaTestKit::key).containsExactly("wf-bad", "wf-unknown", null, "wf-type");
        assertThat(dead.get(0).value()).isEqualTo(badJson);
        assertThat(dead.get(1).value()).isEqualTo(validDispatch);
        assertThat(header(dead.get(0), Headers.DLT_REASON)).contains("not a valid TaskDispatch");
        assertThat(header(dead.get(0), Headers.DLT_EXCEPTION)).endsWith("EventCodecException");
        assertThat(header(dead.get(1), Headers.DLT_REASON)).contains("tributary.nonsense.v9");
        assertThat(header(dead.get(2), Headers.DLT_REASON)).isEqualTo("missing header ce_type");
        assertThat(header(dead.get(2), Headers.DLT_EXCEPTION)).isNull();
        assertThat(header(dead.get(3), Headers.DLT_REASON)).contains("'http'", "'echo'");
        for (int i = 0; i < 4; i++) {
            assertThat(header(dead.get(i), Headers.DLT_ORIGINAL_TOPIC)).isEqualTo(topic);
            assertThat(header(dead.get(i), Headers.DLT_ORIGINAL_PARTITION)).isEqualTo("0");
            assertThat(header(dead.get(i), Headers.DLT_ORIGINAL_OFFSET)).isEqualTo(Integer.toString(i));
            assertThat(header(dead.get(i), Headers.DLT_SOURCE)).isEqualTo("worker-service");
        }
        assertThat(header(dead.get(1), Headers.CE_TYPE)).isEqualTo("tributary.nonsense.v9");
        TaskSucceeded succeeded = eventsOf(kit.events(), TaskSucceeded.class).getFirst();
        assertThat(succeeded.output().path("input")).isEqualTo(json("{\"after\": \"the bad ones\"}"));
        await().atMost(WAIT).until(() -> kit.committedOffset("echo") == 5);
    }

    @Test
    void withConcurrencyOneASlowHandlerQueuesTheRestWithoutLossAndAllComplete() {
        kit = KafkaTestKit.create("backpressure", "slow");
        GatedHandler handler = new GatedHandler("slow");
        TaskWorker worker = kit.startWorker(Map.of("tributary.worker.concurrency", "1"), handler);
        int tasks = 12;

        IntStream.range(0, tasks).forEach(i -> kit.send(dispatch("slow", "wf-" + i, "t" + i, null)));

        await().atMost(WAIT).until(() -> handler.entered.get() == 1);
        assertThat(worker.runningTasks("slow")).isEqualTo(1);
        assertThat(kit.committedOffset("slow")).isLessThanOrEqualTo(0);

        handler.gate.release(tasks);

        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskSucceeded.class).size() == tasks);
        assertThat(handler.maxRunning.get()).isEqualTo(1);
        assertThat(eventsOf(kit.events(), TaskSucceeded.class))
                .extracting(s -> s.taskId().value())
                .containsExactlyElementsOf(
                        IntStream.range(0, tasks).mapToObj(i -> "t" + i).toList());
        await().atMost(WAIT).until(() -> kit.committedOffset("slow") == tasks);
    }

    @Test
    void runsTasksInParallelUpToTheConcurrencyBound() {
        kit = KafkaTestKit.create("parallel", 3, "slow");
        GatedHandler handler = new GatedHandler("slow");
        TaskWorker worker = kit.startWorker(Map.of("tributary.worker.type-concurrency.slow", "4"), handler);
        int tasks = 20;

        IntStream.range(0, tasks).forEach(i -> kit.send(dispatch("slow", "wf-" + i, "t" + i, null)));

        await().atMost(WAIT).until(() -> handler.running.get() == 4);
        assertThat(worker.runningTasks("slow")).isEqualTo(4);

        handler.gate.release(tasks);

        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskSucceeded.class).size() == tasks);
        assertThat(handler.maxRunning.get()).isEqualTo(4);
        assertThat(handler.entered.get()).isEqualTo(tasks);
        await().atMost(WAIT)
                .until(() -> IntStream.range(0, 3)
                                .mapToLong(p -> Math.max(0, kit.committedOffset("slow", p)))
                                .sum()
                        == tasks);
    }

    @Test
    void aWorkerKilledWhileATaskRunsHasTheTaskRedeliveredToAnotherWorkerOfTheGroup() {
        kit = KafkaTestKit.create("redelivery", "job");
        GatedHandler stuck = new GatedHandler("job");
        TaskWorker first = kit.startWorker(Map.of("tributary.worker.id", "first"), stuck);
        kit.send(dispatch("job", "wf-r", "t", null));
        await().atMost(WAIT)
                .until(() -> stuck.entered.get() == 1 && !kit.events().isEmpty());

        first.stop(Duration.ZERO);

        await().atMost(WAIT).until(() -> stuck.interrupted.contains("t"));
        assertThat(kit.committedOffset("job")).isLessThanOrEqualTo(0);
        GatedHandler healthy = new GatedHandler("job");
        healthy.gate.release();
        kit.startWorker(Map.of("tributary.worker.id", "second"), healthy);

        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskSucceeded.class).size() == 1);
        List<WorkflowEvent> events = kit.events();
        assertThat(eventsOf(events, TaskStarted.class))
                .extracting(TaskStarted::workerId)
                .containsExactly("first", "second");
        assertThat(eventsOf(events, TaskSucceeded.class).getFirst().workerId()).isEqualTo("second");
        assertThat(eventsOf(events, TaskFailed.class)).isEmpty();
        await().atMost(WAIT).until(() -> kit.committedOffset("job") == 1);
    }

    @Test
    void aDispatchDeliveredAgainAfterItsAttemptFinishedHereIsSkippedInsteadOfRunTwice() {
        kit = KafkaTestKit.create("duplicates", "job");
        GatedHandler handler = new GatedHandler("job");
        handler.gate.release(10);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        kit.startWorker(meters, Map.of(), handler);
        TaskDispatch dispatch = dispatch("job", "wf-d", "t", null);
        kit.send(dispatch);
        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskSucceeded.class).size() == 1);
        // The worker remembers the attempt once its result is acknowledged, before it commits the
        // dispatch; a consumer of the results topic may see the result a moment earlier.
        await().atMost(WAIT).until(() -> kit.committedOffset("job") == 1);

        // The scheduler's relay re-sending after a crash: the same attempt again, then a new task.
        kit.send(dispatch);
        kit.send(dispatch("job", "wf-d", "u", null));

        await().atMost(WAIT).until(() -> kit.committedOffset("job") == 3);
        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskSucceeded.class).size() == 2);
        assertThat(handler.entered.get()).isEqualTo(2);
        assertThat(eventsOf(kit.events(), TaskStarted.class))
                .extracting(started -> started.taskId().value())
                .containsExactly("t", "u");
        assertThat(meters.get("tributary.worker.dispatches.duplicate")
                        .tag("type", "job")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(meters.get("tributary.worker.results.remembered").gauge().value())
                .isEqualTo(2);
    }

    @Test
    void aGracefulStopLetsTheRunningTaskFinishAndGivesBackTheQueuedOnes() {
        kit = KafkaTestKit.create("graceful", "job");
        GatedHandler handler = new GatedHandler("job");
        TaskWorker worker = kit.startWorker(Map.of("tributary.worker.concurrency", "1"), handler);
        kit.send(dispatch("job", "wf-1", "running", null));
        kit.send(dispatch("job", "wf-2", "queued", null));
        await().atMost(WAIT).until(() -> handler.entered.get() == 1);

        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> worker.stop(Duration.ofSeconds(60)));
        await().atMost(WAIT).until(worker::isStopping);
        handler.gate.release();

        assertThat(stopped).succeedsWithin(WAIT);
        assertThat(handler.interrupted).isEmpty();
        assertThat(handler.entered.get()).isEqualTo(1);
        assertThat(eventsOf(kit.events(), TaskSucceeded.class))
                .singleElement()
                .satisfies(s -> assertThat(s.taskId().value()).isEqualTo("running"));
        assertThat(kit.committedOffset("job")).isEqualTo(1);

        GatedHandler next = new GatedHandler("job");
        next.gate.release();
        kit.startWorker(Map.of(), next);
        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskSucceeded.class).size() == 2);
        assertThat(eventsOf(kit.events(), TaskSucceeded.class)
                        .getLast()
                        .taskId()
                        .value())
                .isEqualTo("queued");
        assertThat(next.entered.get()).isEqualTo(1);
    }

    @Test
    void aPassedDeadlineInterruptsTheHandlerAndFailsTheAttemptRetryably() {
        kit = KafkaTestKit.create("deadline", "job");
        GatedHandler handler = new GatedHandler("job");
        kit.startWorker(Map.of(), handler);

        kit.send(dispatch("job", "wf", "expired", null, Map.of(), Instant.now().minusSeconds(1), TaskKind.TASK));
        // Once the expired one is reported the consumer is running, so the next starts well in time.
        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskFailed.class).size() == 1);
        kit.send(dispatch("job", "wf", "too-slow", null, Map.of(), Instant.now().plusSeconds(10), TaskKind.TASK));

        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskFailed.class).size() == 2);
        assertThat(eventsOf(kit.events(), TaskFailed.class)).allSatisfy(failed -> {
            assertThat(failed.errorCode()).isEqualTo("DEADLINE_EXCEEDED");
            assertThat(failed.retryable()).isTrue();
        });
        assertThat(handler.interrupted).containsExactly("too-slow");
        assertThat(handler.entered.get()).isEqualTo(1);
        await().atMost(WAIT).until(() -> kit.committedOffset("job") == 2);
    }

    @Test
    void anOutputOverTheLimitFailsTheAttemptPermanently() {
        kit = KafkaTestKit.create("output", "echo");
        kit.startWorker(Map.of("tributary.worker.max-output-size", "1KB"), new EchoTaskHandler());

        kit.send(dispatch("echo", "wf", "big", JsonNodeFactory.instance.stringNode("x".repeat(2000))));
        kit.send(dispatch("echo", "wf", "small", json("\"x\"")));

        await().atMost(WAIT).until(() -> kit.events().size() == 4);
        TaskFailed failed = eventsOf(kit.events(), TaskFailed.class).getFirst();
        assertThat(failed.taskId().value()).isEqualTo("big");
        assertThat(failed.errorCode()).isEqualTo("OUTPUT_TOO_LARGE");
        assertThat(failed.retryable()).isFalse();
        assertThat(eventsOf(kit.events(), TaskSucceeded.class))
                .extracting(s -> s.taskId().value())
                .containsExactly("small");
    }

    @Test
    void eachTypeHasItsOwnConsumerGroupAndBound() {
        kit = KafkaTestKit.create("types", "a", "b");
        GatedHandler a = new GatedHandler("a");
        GatedHandler b = new GatedHandler("b");
        b.gate.release(10);
        kit.startWorker(Map.of("tributary.worker.concurrency", "1"), a, b);

        kit.send(dispatch("a", "wf-a", "blocked", null));
        kit.send(dispatch("b", "wf-b1", "b1", null));
        kit.send(dispatch("b", "wf-b2", "b2", null));

        // A saturated type does not hold back another type.
        await().atMost(WAIT)
                .until(() -> eventsOf(kit.events(), TaskSucceeded.class).size() == 2);
        // Type a has its own consumer, which may join its group after b's tasks are done.
        await().atMost(WAIT).until(() -> a.entered.get() == 1);
        Set<String> succeeded = ConcurrentHashMap.newKeySet();
        eventsOf(kit.events(), TaskSucceeded.class)
                .forEach(s -> succeeded.add(s.taskId().value()));
        assertThat(succeeded).containsExactlyInAnyOrder("b1", "b2");
        await().atMost(WAIT).until(() -> kit.committedOffset("b") == 2);
        assertThat(kit.committedOffset("a")).isLessThanOrEqualTo(0);
        a.gate.release();
        await().atMost(WAIT).until(() -> kit.committedOffset("a") == 1);
    }
}
