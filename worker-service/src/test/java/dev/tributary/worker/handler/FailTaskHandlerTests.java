package dev.tributary.worker.handler;

import static dev.tributary.worker.handler.Contexts.context;
import static dev.tributary.worker.handler.Contexts.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FailTaskHandlerTests {

    private final FailTaskHandler handler = new FailTaskHandler();

    @Test
    void failsRetryablyWithTheGivenCodeAndMessage() {
        assertThatThrownBy(() -> handler.handle(context(
                        "fail",
                        json("{\"code\": \"PAYMENT_DECLINED\", \"message\": \"no funds\", \"retryable\": true}"))))
                .isInstanceOfSatisfying(RetryableTaskException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo("PAYMENT_DECLINED");
                    assertThat(e.getMessage()).isEqualTo("no funds");
                    assertThat(e.retryable()).isTrue();
                });
    }

    @Test
    void failsPermanentlyWithDefaultsWhenGivenNothing() {
        assertThatThrownBy(() -> handler.handle(context("fail", null)))
                .isInstanceOfSatisfying(PermanentTaskException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo("FAILED");
                    assertThat(e.getMessage()).isEqualTo("failed on purpose");
                    assertThat(e.retryable()).isFalse();
                });
    }

    @Test
    void succeedsOnceTheAttemptReachesSucceedOnAttempt() {
        var input = json("{\"retryable\": true, \"succeedOnAttempt\": 3}");

        assertThatThrownBy(() -> handler.handle(context("fail", input, Map.of(), 2)))
                .isInstanceOf(RetryableTaskException.class);
        assertThat(handler.handle(context("fail", input, Map.of(), 3))).isEqualTo(json("{\"attempt\": 3}"));
    }

    @Test
    void rejectsFieldsOfTheWrongTypeAsBadInput() {
        assertThatThrownBy(() -> handler.handle(context("fail", json("{\"retryable\": \"yes\"}"))))
                .isInstanceOfSatisfying(
                        PermanentTaskException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("BAD_INPUT"));
    }
}
