package dev.tributary.outbox.relay;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.KafkaOffsetBackingStore;
import org.apache.kafka.connect.util.SharedTopicAdmin;
import org.apache.kafka.connect.util.TopicAdmin;
import org.jspecify.annotations.Nullable;

/**
 * Kafka's offset store for the embedded engine, with an admin client it owns and closes.
 *
 * <p>Debezium 3.6.1 builds {@code KafkaOffsetBackingStore} with a {@code SharedTopicAdmin} that
 * nothing closes, so every engine start (a restart, a change of leadership) leaked an admin client
 * thread and its connections, which kept logging once Kafka went away. The engine instantiates a
 * store named in {@code offset.storage} by its no-argument constructor and stops it with the
 * engine; this one closes its admin client in {@link #stop()}. Stored offsets are the same as with
 * Debezium's store (same topic, same JSON converter without schemas).
 */
public final class OwnedAdminKafkaOffsetStore extends KafkaOffsetBackingStore {

    /** Prefix of the admin client id, followed by the engine name. */
    static final String ADMIN_CLIENT_ID_PREFIX = "tributary-offsets-admin-";

    private final LazyAdmin admin;

    public OwnedAdminKafkaOffsetStore() {
        this(new LazyAdmin());
    }

    private OwnedAdminKafkaOffsetStore(LazyAdmin admin) {
        super(admin, () -> "tributary-relay", converter());
        this.admin = admin;
    }

    private static JsonConverter converter() {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), true);
        return converter;
    }

    @Override
    public void configure(WorkerConfig config) {
        Map<String, Object> adminConfig = new HashMap<>();
        config.originals().forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key)) {
                adminConfig.put(key, value);
            }
        });
        adminConfig.put(
                AdminClientConfig.CLIENT_ID_CONFIG,
                ADMIN_CLIENT_ID_PREFIX + config.originals().get("name"));
        admin.configure(adminConfig);
        super.configure(config);
    }

    @Override
    public void stop() {
        try {
            super.stop();
        } finally {
            admin.close();
        }
    }

    /** Creates the shared admin client on first use, once the configuration is known. */
    private static final class LazyAdmin implements Supplier<TopicAdmin> {

        private @Nullable Map<String, Object> config;
        private @Nullable SharedTopicAdmin shared;

        synchronized void configure(Map<String, Object> adminConfig) {
            this.config = Map.copyOf(adminConfig);
        }

        @Override
        public synchronized TopicAdmin get() {
            if (shared == null) {
                if (config == null) {
                    throw new IllegalStateException("offset store used before it was configured");
                }
                shared = new SharedTopicAdmin(config);
            }
            return shared.get();
        }

        synchronized void close() {
            if (shared != null) {
                shared.close();
                shared = null;
            }
        }
    }
}
