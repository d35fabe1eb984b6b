package dev.tributary.worker.handler;

import static dev.tributary.worker.handler.Contexts.context;
import static dev.tributary.worker.handler.Contexts.json;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NoopTaskHandlerTests {

    private final NoopTaskHandler handler = new NoopTaskHandler();

    @Test
    void succeedsWithAnEmptyObjectWhateverTheInput() {
        assertThat(handler.type()).isEqualTo("noop");
        assertThat(handler.handle(context("noop", json("{\"ignored\": [1, 2]}"))))
                .isEqualTo(json("{}"));
        assertThat(handler.handle(context("noop", null))).isEqualTo(json("{}"));
    }
}
