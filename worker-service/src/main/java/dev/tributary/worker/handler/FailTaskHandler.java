package dev.tributary.worker.handler;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Type {@code fail}: fails on purpose, for demos and tests of retries and failure handling.
 *
 * <p>Input (every field optional): {@code {"code": "PAYMENT_DECLINED", "message": "...",
 * "retryable": true, "succeedOnAttempt": 3}}. Defaults: code {@code FAILED}, message {@code
 * "failed on purpose"}, retryable {@code false}. It throws a {@link RetryableTaskException} or a
 * {@link PermanentTaskException} with that code and message; when {@code succeedOnAttempt} is
 * given and the attempt number has reached it, it succeeds instead with output {@code {"attempt":
 * n}} (a task that recovers after retries).
 */
public final class FailTaskHandler implements TaskHandler {

    public static final String TYPE = "fail";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JsonNode handle(TaskContext context) {
        JsonNode input = Inputs.object(context.input());
        Integer succeedOnAttempt = Inputs.optionalInt(input, "succeedOnAttempt");
        if (succeedOnAttempt != null && context.attempt() >= succeedOnAttempt) {
            return JsonNodeFactory.instance.objectNode().put("attempt", context.attempt());
        }
        String code = Inputs.optionalString(input, "code");
        String message = Inputs.optionalString(input, "message");
        Boolean retryable = Inputs.optionalBoolean(input, "retryable");
        code = code == null || code.isBlank() ? "FAILED" : code;
        message = message == null ? "failed on purpose" : message;
        if (Boolean.TRUE.equals(retryable)) {
            throw new RetryableTaskException(code, message);
        }
        throw new PermanentTaskException(code, message);
    }
}
