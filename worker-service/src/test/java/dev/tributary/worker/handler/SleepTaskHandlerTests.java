package dev.tributary.worker.handler;

import static dev.tributary.worker.handler.Contexts.context;
import static dev.tributary.worker.handler.Contexts.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SleepTaskHandlerTests {

    private final SleepTaskHandler handler = new SleepTaskHandler();

    @Test
    void sleepsForAnIsoDurationAndReportsIt() throws Exception {
        assertThat(handler.handle(context("sleep", json("{\"duration\": \"PT0.01S\"}"))))
                .isEqualTo(json("{\"slept\": \"PT0.01S\"}"));
    }

    @Test
    void acceptsMillisecondsAsANumberOrAsMillis() throws Exception {
        assertThat(handler.handle(context("sleep", json("{\"duration\": 5}"))))
                .isEqualTo(json("{\"slept\": \"PT0.005S\"}"));
        assertThat(handler.handle(context("sleep", json("{\"millis\": 0}")))).isEqualTo(json("{\"slept\": \"PT0S\"}"));
    }

    @Test
    void attemptsFromWakeFromAttemptOnDoNotWait() throws Exception {
        JsonNode input = json("{\"duration\": \"PT1H\", \"wakeFromAttempt\": 2}");

        assertThat(handler.handle(context("sleep", input, java.util.Map.of(), 2)))
                .isEqualTo(json("{\"slept\": \"PT0S\"}"));
        assertThat(handler.handle(context("sleep", input, java.util.Map.of(), 3)))
                .isEqualTo(json("{\"slept\": \"PT0S\"}"));
    }

    @Test
    void rejectsMissingNegativeOrMalformedDurationsPermanently() {
        for (String input :
                new String[] {"{}", "{\"duration\": -1}", "{\"duration\": \"soon\"}", "[1]", "{\"duration\": true}"}) {
            assertThatThrownBy(() -> handler.handle(context("sleep", json(input))))
                    .as(input)
                    .isInstanceOfSatisfying(
                            PermanentTaskException.class,
                            e -> assertThat(e.errorCode()).isEqualTo("BAD_INPUT"));
        }
        assertThatThrownBy(() -> handler.handle(context("sleep", null))).isInstanceOf(PermanentTaskException.class);
    }

    @Test
    void stopsWhenInterrupted() {
        AtomicReference<Thread> sleeper = new AtomicReference<>();
        CompletableFuture<JsonNode> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            sleeper.set(Thread.currentThread());
            try {
                result.complete(handler.handle(context("sleep", json("{\"duration\": \"PT1H\"}"))));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        // Interrupted before or during the sleep, the handler throws either way.
        await().atMost(Duration.ofSeconds(60)).until(() -> sleeper.get() != null);

        sleeper.get().interrupt();

        assertThat(result)
                .failsWithin(Duration.ofSeconds(60))
                .withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(InterruptedException.class);
    }
}
