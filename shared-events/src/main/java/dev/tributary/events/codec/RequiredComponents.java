package dev.tributary.events.codec;

import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Checks that a contract record honours its null-marking: every component, list element and map
 * value that is not declared {@link Nullable} is present. Jackson leaves an absent field as
 * {@code null} in a record, so without this check a history event missing its {@code taskId}
 * would decode and fail later, deep inside a consumer, instead of being dead-lettered at the
 * edge. The required components are exactly what the JSON Schemas list as {@code required}.
 */
final class RequiredComponents {

    private static final ClassValue<RecordComponent[]> COMPONENTS = new ClassValue<>() {
        @Override
        protected RecordComponent[] computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            return components == null ? new RecordComponent[0] : components;
        }
    };

    private RequiredComponents() {}

    /**
     * @throws EventCodecException naming the JSON pointer of the first missing required value
     */
    static void check(Object value) {
        checkRecordOrContainer(value, null, "");
    }

    private static void check(@Nullable Object value, AnnotatedType type, String pointer) {
        if (value == null) {
            if (!type.isAnnotationPresent(Nullable.class)) {
                throw new EventCodecException("required field " + pointer + " is missing or null");
            }
            return;
        }
        checkRecordOrContainer(value, type, pointer);
    }

    private static void checkRecordOrContainer(Object value, @Nullable AnnotatedType type, String pointer) {
        if (value instanceof Record record) {
            for (RecordComponent component : COMPONENTS.get(record.getClass())) {
                check(read(record, component), component.getAnnotatedType(), pointer + "/" + component.getName());
            }
        } else if (value instanceof Collection<?> collection
                && type instanceof AnnotatedParameterizedType parameterized) {
            AnnotatedType elementType = parameterized.getAnnotatedActualTypeArguments()[0];
            int index = 0;
            for (Object element : collection) {
                check(element, elementType, pointer + "/" + index++);
            }
        } else if (value instanceof Map<?, ?> map && type instanceof AnnotatedParameterizedType parameterized) {
            AnnotatedType valueType = parameterized.getAnnotatedActualTypeArguments()[1];
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                check(entry.getValue(), valueType, pointer + "/" + escape(String.valueOf(entry.getKey())));
            }
        }
    }

    /** RFC 6901 escaping of one pointer segment. */
    private static String escape(String segment) {
        return segment.replace("~", "~0").replace("/", "~1");
    }

    private static @Nullable Object read(Record record, RecordComponent component) {
        try {
            return component.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + component, e);
        }
    }
}
