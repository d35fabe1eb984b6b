package dev.tributary.worker.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.worker.handler.PermanentTaskException;
import dev.tributary.worker.handler.RetryableTaskException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class FailureTests {

    @Test
    void aRetryableTaskExceptionKeepsItsCodeAndIsRetryable() {
        assertThat(Failure.of(new RetryableTaskException("HTTP_503", "busy")))
                .isEqualTo(new Failure("HTTP_503", "busy", true));
    }

    @Test
    void aPermanentTaskExceptionKeepsItsCodeAndIsNotRetryable() {
        assertThat(Failure.of(new PermanentTaskException("BAD_INPUT", "no url")))
                .isEqualTo(new Failure("BAD_INPUT", "no url", false));
    }

    @Test
    void anUnexpectedExceptionIsARetryableHandlerError() {
        Failure failure = Failure.of(new IllegalStateException("boom"));

        assertThat(failure.code()).isEqualTo("HANDLER_ERROR");
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.message()).isEqualTo("java.lang.IllegalStateException: boom");
        assertThat(Failure.of(new StackOverflowError()).retryable()).isTrue();
        assertThat(Failure.of(new UncheckedIOException("x", new java.io.IOException()))
                        .code())
                .isEqualTo("HANDLER_ERROR");
    }

    @Test
    void anInterruptionTheWorkerDidNotCauseIsRetryable() {
        assertThat(Failure.of(new InterruptedException()).code()).isEqualTo("INTERRUPTED");
        assertThat(Failure.of(new InterruptedException()).retryable()).isTrue();
    }

    @Test
    void longMessagesAreCut() {
        Failure failure = Failure.of(new RetryableTaskException("X", "m".repeat(5000)));

        assertThat(failure.message()).hasSize(Failure.MAX_MESSAGE_LENGTH).endsWith("…");
    }
}
