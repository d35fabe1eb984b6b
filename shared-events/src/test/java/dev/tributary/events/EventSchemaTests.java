package dev.tributary.events;

import static dev.tributary.events.ContractSamples.schemaDocument;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * The schemas describe the records exactly: one documented property per record component, {@code
 * required} = the components not marked {@code @Nullable}, enums = the Java constants. Nested
 * records are followed through {@code $ref}s, so the shared definitions are checked as well.
 */
class EventSchemaTests {

    private static final String TYPES = "dev.tributary.events.ContractSamples#eventAndCommandTypes";

    @ParameterizedTest
    @MethodSource(TYPES)
    void schemaDescribesTheRecordComponentByComponent(String ceType) {
        Class<?> type = EventTypes.classOf(ceType).orElseThrow();
        String file = ceType + ".schema.json";

        List<String> problems = new ArrayList<>();
        compare(type, new Located(schemaDocument(file), file), type.getSimpleName(), problems);

        assertThat(problems).isEmpty();
    }

    static Stream<String> schemaFiles() {
        return Stream.concat(
                Stream.of("tributary.definitions.v1.schema.json"),
                ContractSamples.eventAndCommandTypes().map(ceType -> ceType + ".schema.json"));
    }

    @ParameterizedTest
    @MethodSource("schemaFiles")
    void everyPropertyAndDefinitionIsDocumented(String file) {
        List<String> undocumented = new ArrayList<>();
        collectUndocumented(schemaDocument(file), file, undocumented);

        assertThat(undocumented).isEmpty();
    }

    private static void collectUndocumented(JsonNode node, String path, List<String> undocumented) {
        if (!node.isObject()) {
            return;
        }
        for (String group : List.of("properties", "$defs")) {
            for (Map.Entry<String, JsonNode> entry : node.path(group).properties()) {
                if (entry.getValue().path("description").asString().isBlank()) {
                    undocumented.add(path + "/" + group + "/" + entry.getKey());
                }
            }
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            collectUndocumented(entry.getValue(), path + "/" + entry.getKey(), undocumented);
        }
    }

    /** A schema node and the file it lives in, so that relative {@code $ref}s resolve. */
    private record Located(JsonNode node, String file) {

        Located resolve() {
            String ref = node.path("$ref").asString("");
            if (ref.isEmpty()) {
                return this;
            }
            int hash = ref.indexOf('#');
            String target = hash == 0 ? file : ref.substring(0, hash);
            String pointer = ref.substring(hash + 1);
            return new Located(schemaDocument(target).at(pointer), target).resolve();
        }

        Located child(String... path) {
            JsonNode child = node;
            for (String name : path) {
                child = child.path(name);
            }
            return new Located(child, file);
        }
    }

    private static void compare(Class<?> type, Located schema, String where, List<String> problems) {
        Located resolved = schema.resolve();
        JsonNode properties = resolved.node().path("properties");
        RecordComponent[] components = type.getRecordComponents();

        List<String> names =
                Arrays.stream(components).map(RecordComponent::getName).toList();
        List<String> required = Arrays.stream(components)
                .filter(component -> !nullable(component.getAnnotatedType()))
                .map(RecordComponent::getName)
                .toList();
        if (!sameElements(properties.propertyNames(), names)) {
            problems.add(where + ": properties " + properties.propertyNames() + " but components " + names);
        }
        List<String> declaredRequired = new ArrayList<>();
        resolved.node().path("required").values().forEach(node -> declaredRequired.add(node.asString()));
        if (!sameElements(declaredRequired, required)) {
            problems.add(where + ": required " + declaredRequired + " but non-null components " + required);
        }
        for (RecordComponent component : components) {
            Located property = new Located(properties.path(component.getName()), resolved.file());
            compareValue(
                    component.getGenericType(),
                    component.getAnnotatedType(),
                    property,
                    where + "." + component.getName(),
                    problems);
        }
    }

    private static void compareValue(
            Type type, AnnotatedType annotated, Located schema, String where, List<String> problems) {
        Class<?> raw = raw(type);
        if (raw.isRecord() && !raw.getPackageName().endsWith(".ids")) {
            compare(raw, schema, where, problems);
        } else if (raw.isEnum()) {
            List<String> constants = Arrays.stream(raw.getEnumConstants())
                    .map(constant -> ((Enum<?>) constant).name())
                    .toList();
            List<String> declared = new ArrayList<>();
            schema.resolve().node().path("enum").values().forEach(node -> declared.add(node.asString()));
            if (!sameElements(declared, constants)) {
                problems.add(where + ": enum " + declared + " but constants " + constants);
            }
        } else if (Collection.class.isAssignableFrom(raw)
                && annotated instanceof AnnotatedParameterizedType parameterized) {
            Type element = ((ParameterizedType) type).getActualTypeArguments()[0];
            compareValue(
                    element,
                    parameterized.getAnnotatedActualTypeArguments()[0],
                    schema.resolve().child("items"),
                    where + "[]",
                    problems);
        } else if (Map.class.isAssignableFrom(raw) && annotated instanceof AnnotatedParameterizedType parameterized) {
            Type value = ((ParameterizedType) type).getActualTypeArguments()[1];
            compareValue(
                    value,
                    parameterized.getAnnotatedActualTypeArguments()[1],
                    schema.resolve().child("additionalProperties"),
                    where + "{}",
                    problems);
        }
    }

    private static Class<?> raw(Type type) {
        if (type instanceof ParameterizedType parameterized) {
            return (Class<?>) parameterized.getRawType();
        }
        return (Class<?>) type;
    }

    private static boolean nullable(@Nullable AnnotatedType type) {
        return type != null && type.isAnnotationPresent(Nullable.class);
    }

    private static boolean sameElements(Collection<String> a, Collection<String> b) {
        return a.size() == b.size() && a.containsAll(b) && b.containsAll(a);
    }
}
