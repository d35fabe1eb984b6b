package dev.tributary.worker.handler;

import java.time.Duration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Type {@code sleep}: waits, then succeeds. For demos, load tests and timeout tests.
 *
 * <p>Input: {@code {"duration": "PT1.5S"}} (ISO 8601) or {@code {"duration": 1500}}
 * (milliseconds); {@code millis} is accepted as an alias of a numeric {@code duration}. A missing
 * or negative duration is a permanent {@code BAD_INPUT} failure. The wait is interruptible, so a
 * deadline or a shutdown stops it. Output: {@code {"slept": "PT1.5S"}}.
 *
 * <p>With {@code "wakeFromAttempt": n}, attempts n and later do not wait (output {@code {"slept":
 * "PT0S"}}): a task that hangs until a timeout retries it.
 */
public final class SleepTaskHandler implements TaskHandler {

    public static final String TYPE = "sleep";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JsonNode handle(TaskContext context) throws InterruptedException {
        JsonNode input = Inputs.object(context.input());
        Duration duration = Inputs.optionalDuration(input, "duration");
        if (duration == null) {
            duration = Inputs.optionalDuration(input, "millis");
        }
        if (duration == null) {
            throw Inputs.badInput("'duration' is required, e.g. {\"duration\": \"PT1S\"} or {\"duration\": 1000}");
        }
        Integer wakeFromAttempt = Inputs.optionalInt(input, "wakeFromAttempt");
        if (wakeFromAttempt != null && context.attempt() >= wakeFromAttempt) {
            duration = Duration.ZERO;
        }
        Thread.sleep(duration);
        return JsonNodeFactory.instance.objectNode().put("slept", duration.toString());
    }
}
