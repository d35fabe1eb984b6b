package dev.tributary.scheduler.history;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Finds a missing required field in a decoded contract record. The codec is tolerant and lets
 * absent fields decode as null; the contracts are {@code @NullMarked}, so every record component
 * not annotated {@code @Nullable} is required. Checking once at the edge keeps the state machine
 * free of null checks and sends a malformed event to the dead letters instead of into the state.
 */
final class RequiredFields {

    private static final String CONTRACTS = "dev.tributary.events.";

    private RequiredFields() {}

    /** The path of the first missing required field, e.g. {@code definition.tasks[2].type}. */
    static Optional<String> missing(Object value) {
        return Optional.ofNullable(check(value, ""));
    }

    private static @Nullable String check(@Nullable Object value, String path) {
        if (value instanceof Record record && record.getClass().getName().startsWith(CONTRACTS)) {
            for (RecordComponent component : record.getClass().getRecordComponents()) {
                Object field = read(component, record);
                String fieldPath = path.isEmpty() ? component.getName() : path + "." + component.getName();
                if (field == null) {
                    if (!component.getAnnotatedType().isAnnotationPresent(Nullable.class)) {
                        return fieldPath;
                    }
                    continue;
                }
                String missing = check(field, fieldPath);
                if (missing != null) {
                    return missing;
                }
            }
        } else if (value instanceof Collection<?> collection) {
            int index = 0;
            for (Object element : collection) {
                String elementPath = path + "[" + index++ + "]";
                if (element == null) {
                    return elementPath;
                }
                String missing = check(element, elementPath);
                if (missing != null) {
                    return missing;
                }
            }
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (entry.getKey() == null || entry.getValue() == null) {
                    return path + "[" + entry.getKey() + "]";
                }
            }
        }
        return null;
    }

    private static @Nullable Object read(RecordComponent component, Record record) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + component, e);
        }
    }
}
