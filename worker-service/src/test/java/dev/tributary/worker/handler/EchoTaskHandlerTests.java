package dev.tributary.worker.handler;

import static dev.tributary.worker.handler.Contexts.context;
import static dev.tributary.worker.handler.Contexts.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.history.WorkflowEvent.TaskKind;
import dev.tributary.events.ids.TaskId;
import dev.tributary.events.ids.WorkflowId;
import dev.tributary.events.task.TaskCommand.CompensatedTask;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EchoTaskHandlerTests {

    private final EchoTaskHandler handler = new EchoTaskHandler();

    @Test
    void outputsItsInputAndItsUpstreamOutputsByTaskId() {
        var output = handler.handle(context(
                "echo",
                json("{\"greeting\": \"hello\"}"),
                Map.of(TaskId.of("b"), json("{\"x\": 2}"), TaskId.of("a"), json("[1]")),
                1));

        assertThat(output)
                .isEqualTo(
                        json("{\"input\": {\"greeting\": \"hello\"}, \"upstream\": {\"a\": [1], \"b\": {\"x\": 2}}}"));
        assertThat(output.path("upstream").propertyNames()).containsExactly("a", "b");
    }

    @Test
    void aRootTaskWithoutInputEchoesNullAndNoUpstream() {
        assertThat(handler.handle(context("echo", null))).isEqualTo(json("{\"input\": null, \"upstream\": {}}"));
    }

    @Test
    void aCompensationAlsoEchoesTheInputAndOutputOfTheTaskItUndoes() {
        TaskContext compensation = new TaskContext(
                WorkflowId.of("wf-1"),
                TaskId.of("charge"),
                1,
                TaskKind.COMPENSATION,
                "echo",
                json("{\"refund\": true}"),
                Map.of(),
                null,
                "wf-1/charge/compensation/1",
                "test-worker",
                new CompensatedTask(json("{\"amount\": 12}"), json("{\"chargeId\": \"c-1\"}")));

        assertThat(handler.handle(compensation))
                .isEqualTo(json("{\"input\": {\"refund\": true}, \"upstream\": {}, \"compensates\":"
                        + " {\"input\": {\"amount\": 12}, \"output\": {\"chargeId\": \"c-1\"}}}"));
    }

    @Test
    void aChainOfEchoesCarriesEveryInputToItsEnd() {
        var first = handler.handle(context("echo", json("\"one\"")));
        var second = handler.handle(context("echo", json("\"two\""), Map.of(TaskId.of("first"), first), 1));
        var third = handler.handle(context("echo", json("\"three\""), Map.of(TaskId.of("second"), second), 1));

        assertThat(third.at("/input").stringValue()).isEqualTo("three");
        assertThat(third.at("/upstream/second/input").stringValue()).isEqualTo("two");
        assertThat(third.at("/upstream/second/upstream/first/input").stringValue())
                .isEqualTo("one");
    }
}
