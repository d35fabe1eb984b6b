package dev.tributary.worker.handler;

import static dev.tributary.worker.handler.Contexts.context;
import static dev.tributary.worker.handler.Contexts.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.ids.TaskId;
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
