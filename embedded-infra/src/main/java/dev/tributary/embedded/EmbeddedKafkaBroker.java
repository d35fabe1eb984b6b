package dev.tributary.embedded;

import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A single-node Kafka broker in KRaft mode (combined broker and controller) running in this JVM on
 * a fixed port, so that kcat and Kafka's own tools can connect, and restartable on the same port
 * and data so tests can take Kafka away and bring it back.
 *
 * <p>TODO(embedded-kafka helper): implement.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private EmbeddedKafkaBroker() {}

    public static Builder builder() {
        return new Builder();
    }

    /** Starts the broker (formatting the storage on first start); returns this. */
    public EmbeddedKafkaBroker start() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Stops the broker, keeping its data; a later {@link #start()} uses the same port and data. */
    public void stop() {
        throw new UnsupportedOperationException("not yet");
    }

    public boolean isRunning() {
        return false;
    }

    /** {@code localhost:port}. */
    public String bootstrapServers() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Creates a topic unless it exists. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Stops the broker and deletes its data if the data directory was temporary. */
    @Override
    public void close() {}

    /** Options of an embedded broker. */
    public static final class Builder {
        private int port;
        private int controllerPort;
        private @Nullable Path dataDirectory;

        /** The client port; 0 picks a free port once and keeps it across restarts. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The KRaft controller port; 0 picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = controllerPort;
            return this;
        }

        /** Where logs and metadata live; {@code null} for a temporary directory. */
        public Builder dataDirectory(@Nullable Path dataDirectory) {
            this.dataDirectory = dataDirectory;
            return this;
        }

        public EmbeddedKafkaBroker build() {
            return new EmbeddedKafkaBroker();
        }
    }
}
