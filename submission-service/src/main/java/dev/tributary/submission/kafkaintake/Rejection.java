package dev.tributary.submission.kafkaintake;

import dev.tributary.submission.intake.FieldError;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Why one record is dead-lettered.
 *
 * @param code the machine-readable reason
 * @param errors every problem found, each at a JSON Pointer into the record's value
 * @param error the exception that rejected it, if one did
 */
record Rejection(
        ReasonCode code, List<FieldError> errors, @Nullable Throwable error) {

    Rejection {
        errors = List.copyOf(errors);
    }

    static Rejection of(ReasonCode code, String pointer, String reason) {
        return new Rejection(code, List.of(new FieldError(pointer, reason)), null);
    }

    /** One human-readable line: the code, the number of problems and the first one. */
    String summary() {
        if (errors.isEmpty()) {
            return code.name();
        }
        FieldError first = errors.getFirst();
        String where = first.pointer().isEmpty() ? "(value)" : first.pointer();
        String more = errors.size() == 1 ? "" : " (+" + (errors.size() - 1) + " more)";
        return code + ": " + where + " " + first.reason() + more;
    }
}
