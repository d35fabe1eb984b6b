package dev.tributary.submission.intake;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Bounds the schema cannot check: every duration is positive, timeouts are at most {@code
 * maxTimeout}, backoffs at most {@code maxBackoff}, and a retry policy's {@code maxBackoff} is not
 * shorter than its {@code initialBackoff}. Works on the JSON tree so that it reports alongside
 * schema errors; values the schema already rejects (not a duration) are skipped here.
 */
final class DurationLimits {

    private final Duration maxTimeout;
    private final Duration maxBackoff;

    DurationLimits(Duration maxTimeout, Duration maxBackoff) {
        this.maxTimeout = maxTimeout;
        this.maxBackoff = maxBackoff;
    }

    List<FieldError> check(JsonNode submission) {
        List<FieldError> errors = new ArrayList<>();
        bound(submission.get("timeout"), "/timeout", maxTimeout, errors);
        JsonNode defaults = submission.get("taskDefaults");
        if (defaults != null && defaults.isObject()) {
            retry(defaults.get("retry"), "/taskDefaults/retry", errors);
            timeout(defaults.get("timeout"), "/taskDefaults/timeout", errors);
        }
        JsonNode tasks = submission.get("tasks");
        if (tasks != null && tasks.isArray()) {
            for (int i = 0; i < tasks.size(); i++) {
                JsonNode task = tasks.get(i);
                if (!task.isObject()) {
                    continue;
                }
                String at = "/tasks/" + i;
                retry(task.get("retry"), at + "/retry", errors);
                timeout(task.get("timeout"), at + "/timeout", errors);
                JsonNode compensation = task.get("compensation");
                if (compensation != null && compensation.isObject()) {
                    retry(compensation.get("retry"), at + "/compensation/retry", errors);
                }
            }
        }
        return errors;
    }

    private void retry(@Nullable JsonNode policy, String at, List<FieldError> errors) {
        if (policy == null || !policy.isObject()) {
            return;
        }
        Duration initial = bound(policy.get("initialBackoff"), at + "/initialBackoff", maxBackoff, errors);
        Duration max = bound(policy.get("maxBackoff"), at + "/maxBackoff", maxBackoff, errors);
        if (initial != null && max != null && max.compareTo(initial) < 0) {
            errors.add(new FieldError(
                    at + "/maxBackoff",
                    "must not be shorter than initialBackoff (" + format(initial) + "), got " + format(max)));
        }
    }

    private void timeout(@Nullable JsonNode timeout, String at, List<FieldError> errors) {
        if (timeout == null || !timeout.isObject()) {
            return;
        }
        bound(timeout.get("startToClose"), at + "/startToClose", maxTimeout, errors);
        bound(timeout.get("scheduleToStart"), at + "/scheduleToStart", maxTimeout, errors);
    }

    /** Checks one duration; returns it when it is within bounds, else {@code null}. */
    private static @Nullable Duration bound(
            @Nullable JsonNode value, String pointer, Duration max, List<FieldError> errors) {
        if (value == null || !value.isString() || !value.asString().startsWith("P")) {
            return null;
        }
        Duration duration;
        try {
            duration = Duration.parse(value.asString());
        } catch (DateTimeParseException | ArithmeticException e) {
            return null; // the schema pattern reports what is not a duration
        }
        if (!duration.isPositive()) {
            errors.add(new FieldError(pointer, "must be longer than zero (got " + Snippets.quote(value) + ")"));
            return null;
        }
        if (duration.compareTo(max) > 0) {
            errors.add(
                    new FieldError(pointer, "must be at most " + format(max) + " (got " + Snippets.quote(value) + ")"));
            return null;
        }
        return duration;
    }

    /** {@code P365D} rather than {@code PT8760H} when the duration is several whole days. */
    static String format(Duration duration) {
        if (duration.toNanosPart() == 0 && duration.toSeconds() % 86_400 == 0 && duration.toDays() > 1) {
            return "P" + duration.toDays() + "D";
        }
        return duration.toString();
    }
}
