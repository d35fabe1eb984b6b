package dev.tributary.scheduler.history;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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

    /** The components of each contract record class, read reflectively once. */
    private static final ClassValue<List<Field>> FIELDS = new ClassValue<>() {
        @Override
        protected List<Field> computeValue(Class<?> type) {
            List<Field> fields = new ArrayList<>();
            for (RecordComponent component : type.getRecordComponents()) {
                try {
                    fields.add(new Field(
                            component.getName(),
                            MethodHandles.publicLookup().unreflect(component.getAccessor()),
                            component.getAnnotatedType().isAnnotationPresent(Nullable.class)));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot read " + component, e);
                }
            }
            return List.copyOf(fields);
        }
    };

    private record Field(String name, MethodHandle accessor, boolean nullable) {}

    private RequiredFields() {}

    /** The path of the first missing required field, e.g. {@code definition.tasks[2].type}. */
    static Optional<String> missing(Object value) {
        return Optional.ofNullable(check(value, ""));
    }

    private static @Nullable String check(@Nullable Object value, String path) {
        if (value instanceof Record record && record.getClass().getName().startsWith(CONTRACTS)) {
            for (Field field : FIELDS.get(record.getClass())) {
                Object fieldValue = read(field, record);
                String fieldPath = path.isEmpty() ? field.name() : path + "." + field.name();
                if (fieldValue == null) {
                    if (!field.nullable()) {
                        return fieldPath;
                    }
                    continue;
                }
                String missing = check(fieldValue, fieldPath);
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

    private static @Nullable Object read(Field field, Record record) {
        try {
            return field.accessor().invoke(record);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot read " + field.name(), e);
        }
    }
}
