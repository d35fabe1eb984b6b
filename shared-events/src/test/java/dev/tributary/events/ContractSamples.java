package dev.tributary.events;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.WorkflowSubmission;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;

/** Loads the published schemas (by classpath location, so relative $refs resolve) and the samples. */
final class ContractSamples {

    static final EventCodec CODEC = EventCodec.json();

    /** Format assertions on: 2020-12 treats "format" as an annotation unless asked. */
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().formatAssertionsEnabled(true).build()));

    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    private ContractSamples() {}

    /** Every registered ce_type except the submission, whose schema is owned by the submission work. */
    static Stream<String> eventAndCommandTypes() {
        String submission = EventTypes.of(WorkflowSubmission.class);
        return EventTypes.all().keySet().stream().filter(type -> !type.equals(submission));
    }

    static Schema schema(String ceType) {
        return SCHEMAS.computeIfAbsent(
                ceType, type -> REGISTRY.getSchema(SchemaLocation.of("classpath:" + EventTypes.schemaPath(type))));
    }

    static List<Error> validate(String ceType, JsonNode document) {
        return schema(ceType).validate(document);
    }

    static byte[] resource(String path) {
        try (InputStream in = ContractSamples.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] sampleBytes(String ceType) {
        return resource("samples/" + ceType + ".json");
    }

    /** A fresh, mutable copy of the sample document. */
    static JsonNode sample(String ceType) {
        return CODEC.readTree(sampleBytes(ceType));
    }

    static JsonNode schemaDocument(String file) {
        return CODEC.readTree(resource("schemas/" + file));
    }
}
