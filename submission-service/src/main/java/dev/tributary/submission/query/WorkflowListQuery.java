package dev.tributary.submission.query;

import dev.tributary.submission.query.InvalidQueryException.ParameterError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The parameters of {@code GET /api/v1/workflows}, validated.
 *
 * @param statuses workflows in any of these statuses (empty = any)
 * @param name workflows with exactly this name
 * @param labels workflows carrying every one of these labels
 * @param limit most items in the page
 * @param after the position after which the page starts (the previous page's {@code next})
 */
record WorkflowListQuery(
        Set<WorkflowStatus> statuses,
        @Nullable String name,
        List<Map.Entry<String, String>> labels,
        int limit,
        @Nullable PageCursor after) {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;
    private static final int MAX_QUOTE = 40;

    /**
     * Validates raw parameters.
     *
     * @param status repeatable, each value one status or several separated by commas
     *     (case-insensitive)
     * @param label repeatable, each {@code key:value}
     * @throws InvalidQueryException listing every bad parameter
     */
    static WorkflowListQuery parse(
            @Nullable List<String> status,
            @Nullable String name,
            @Nullable List<String> label,
            @Nullable String limit,
            @Nullable String after) {
        List<ParameterError> errors = new ArrayList<>();
        Set<WorkflowStatus> statuses = EnumSet.noneOf(WorkflowStatus.class);
        for (String value : status == null ? List.<String>of() : status) {
            for (String part : value.split(",", -1)) {
                String candidate = part.strip().toUpperCase(Locale.ROOT);
                try {
                    statuses.add(WorkflowStatus.valueOf(candidate));
                } catch (IllegalArgumentException e) {
                    errors.add(new ParameterError(
                            "status",
                            "'" + clip(part) + "' is not a workflow status; use one of "
                                    + Arrays.stream(WorkflowStatus.values())
                                            .map(Enum::name)
                                            .collect(Collectors.joining(", "))));
                }
            }
        }
        List<Map.Entry<String, String>> labels = new ArrayList<>();
        for (String value : label == null ? List.<String>of() : label) {
            int colon = value.indexOf(':');
            if (colon <= 0) {
                errors.add(new ParameterError(
                        "label", "'" + clip(value) + "' is not key:value (a non-empty key, a colon, the value)"));
            } else {
                labels.add(Map.entry(value.substring(0, colon), value.substring(colon + 1)));
            }
        }
        int pageSize = DEFAULT_LIMIT;
        if (limit != null) {
            try {
                pageSize = Integer.parseInt(limit.strip());
                if (pageSize < 1 || pageSize > MAX_LIMIT) {
                    errors.add(new ParameterError("limit", "must be between 1 and " + MAX_LIMIT + ", was " + pageSize));
                }
            } catch (NumberFormatException e) {
                errors.add(new ParameterError(
                        "limit", "'" + clip(limit) + "' is not an integer between 1 and " + MAX_LIMIT));
            }
        }
        PageCursor cursor = null;
        if (after != null) {
            cursor = PageCursor.decode(after.strip()).orElse(null);
            if (cursor == null) {
                errors.add(new ParameterError(
                        "after", "is not a cursor from this API; pass the 'next' value of the previous page"));
            }
        }
        if (name != null && name.isEmpty()) {
            errors.add(new ParameterError("name", "must not be empty"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidQueryException(errors);
        }
        return new WorkflowListQuery(statuses, name, List.copyOf(labels), pageSize, cursor);
    }

    private static String clip(String value) {
        return value.length() <= MAX_QUOTE ? value : value.substring(0, MAX_QUOTE) + "…";
    }
}
