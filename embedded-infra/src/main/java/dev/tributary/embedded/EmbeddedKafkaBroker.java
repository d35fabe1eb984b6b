package dev.tributary.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node Kafka broker in KRaft mode (combined broker and controller) running in this JVM on
 * a fixed port, so that kcat and Kafka's own tools can connect, and restartable on the same port
 * and data so tests can take Kafka away and bring it back.
 *
 * <p>The controller quorum is static ({@code controller.quorum.voters}, {@code kraft.version=0}),
 * so the controller port is not written into the metadata log and may differ between runs on the
 * same data directory. Ports chosen as "free" (0) are chosen once per instance and kept across
 * {@link #stop()} and {@link #start()}. Storage is formatted only when {@code meta.properties} is
 * absent; Kafka's directory locks are OS file locks, so a directory left by a killed JVM can be
 * started again as is.
 *
 * <p>Thread-safe; the lifecycle methods are serialised.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private static final int NODE_ID = 1;
    private static final String CLIENT_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final Map<String, String> extraProperties;
    private final int defaultPartitions;
    private final boolean autoCreateTopics;
    private final @Nullable Path configuredDataDirectory;

    private int port;
    private int controllerPort;
    private @Nullable Path dataDirectory;
    private @Nullable KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafkaBroker(Builder builder) {
        this.port = builder.port;
        this.controllerPort = builder.controllerPort;
        this.configuredDataDirectory = builder.dataDirectory;
        this.extraProperties = Map.copyOf(builder.properties);
        this.defaultPartitions = builder.defaultPartitions;
        this.autoCreateTopics = builder.autoCreateTopics;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the broker (formatting the storage on first start) and waits until it answers
     * clients; returns this. Does nothing if it is running.
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (closed) {
            throw new IllegalStateException("the broker was closed");
        }
        if (server != null) {
            return this;
        }
        long startedAt = System.nanoTime();
        Path data = dataDirectory();
        Map<String, Object> properties = brokerProperties(data);
        KafkaConfig config = new KafkaConfig(properties, false);
        formatIfNeeded(config, data);
        KafkaRaftServer raftServer = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            raftServer.startup();
            server = raftServer;
            awaitClientsAnswered();
        } catch (RuntimeException e) {
            server = null;
            shutDown(raftServer);
            throw e;
        }
        log.info(
                "Embedded Kafka broker on {} (controller port {}, data {}) started in {} ms",
                bootstrapServers(),
                controllerPort,
                data,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
        return this;
    }

    /** Stops the broker, keeping its data; a later {@link #start()} uses the same port and data. */
    public synchronized void stop() {
        KafkaRaftServer raftServer = server;
        if (raftServer == null) {
            return;
        }
        server = null;
        long stoppingAt = System.nanoTime();
        shutDown(raftServer);
        log.info(
                "Embedded Kafka broker on {} stopped in {} ms",
                bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppingAt));
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** {@code localhost:port}. */
    public String bootstrapServers() {
        return "localhost:" + port();
    }

    /** The client port; chosen on first use when the builder said 0, then kept. */
    public synchronized int port() {
        if (port == 0) {
            port = freePort();
        }
        return port;
    }

    /** The KRaft controller port; chosen on first use when the builder said 0, then kept. */
    public synchronized int controllerPort() {
        if (controllerPort == 0) {
            controllerPort = freePort();
        }
        return controllerPort;
    }

    /** Where logs and metadata live; a temporary directory is created on first use if none was given. */
    public synchronized Path dataDirectory() {
        Path data = dataDirectory;
        if (data == null) {
            try {
                data = configuredDataDirectory != null
                        ? Files.createDirectories(configuredDataDirectory)
                        : Files.createTempDirectory("tributary-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the Kafka data directory", e);
            }
            dataDirectory = data;
        }
        return data;
    }

    /** Creates a topic unless it exists, then waits until its partitions have a leader. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)));
    }

    /** Creates a topic with the given partitions and no topic configs, unless it exists. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Creates the topics that do not exist yet and waits until every partition of every topic
     * answers a list-offsets request, that is until producers and consumers can use it.
     */
    public void createTopics(List<NewTopic> topics) {
        if (topics.isEmpty()) {
            return;
        }
        try (Admin admin = admin()) {
            var results = admin.createTopics(topics).values();
            for (var result : results.entrySet()) {
                try {
                    result.getValue().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + result.getKey(), e.getCause());
                    }
                }
            }
            awaitUsable(admin, topics.stream().map(NewTopic::name).distinct().toList());
        } catch (ExecutionException e) {
            throw new IllegalStateException("topics not usable: " + topics, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("topics not created within " + READY_TIMEOUT, e);
        }
    }

    /** Deletes a topic if it exists and waits until the deletion is accepted. */
    public void deleteTopic(String name) {
        try (Admin admin = admin()) {
            admin.deleteTopics(List.of(name)).all().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw new IllegalStateException("cannot delete topic " + name, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while deleting topic " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("topic " + name + " not deleted within " + READY_TIMEOUT, e);
        }
    }

    /** An admin client for this broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) READY_TIMEOUT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                30_000));
    }

    /** Stops the broker and deletes its data if the data directory was temporary. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        Path data = dataDirectory;
        if (configuredDataDirectory == null && data != null) {
            try {
                Utils.delete(data.toFile());
            } catch (IOException e) {
                log.warn("Could not delete the Kafka data directory {}", data, e);
            }
        }
    }

    private Map<String, Object> brokerProperties(Path data) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("process.roles", "broker,controller");
        properties.put("node.id", String.valueOf(NODE_ID));
        properties.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort());
        properties.put(
                "listeners",
                CLIENT_LISTENER + "://localhost:" + port() + "," + CONTROLLER_LISTENER + "://localhost:"
                        + controllerPort());
        properties.put("advertised.listeners", CLIENT_LISTENER + "://localhost:" + port());
        properties.put("controller.listener.names", CONTROLLER_LISTENER);
        properties.put("inter.broker.listener.name", CLIENT_LISTENER);
        properties.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        properties.put("log.dirs", data.toAbsolutePath().toString());
        // A single node: every internal topic has one replica and few partitions.
        properties.put("num.partitions", String.valueOf(defaultPartitions));
        properties.put("default.replication.factor", "1");
        properties.put("min.insync.replicas", "1");
        properties.put("offsets.topic.replication.factor", "1");
        properties.put("offsets.topic.num.partitions", "5");
        properties.put("transaction.state.log.replication.factor", "1");
        properties.put("transaction.state.log.min.isr", "1");
        properties.put("transaction.state.log.num.partitions", "5");
        properties.put("share.coordinator.state.topic.replication.factor", "1");
        properties.put("share.coordinator.state.topic.min.isr", "1");
        properties.put("share.coordinator.state.topic.num.partitions", "1");
        properties.put("group.initial.rebalance.delay.ms", "0");
        properties.put("auto.create.topics.enable", String.valueOf(autoCreateTopics));
        // The only replica may always lead, also after an unclean shutdown (kill -9).
        properties.put("unclean.leader.election.enable", "true");
        // Small footprint: the default cleaner buffer alone is 128 MiB, the thread pools are sized for servers.
        properties.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        properties.put("num.network.threads", "2");
        properties.put("num.io.threads", "4");
        properties.put("background.threads", "4");
        properties.put("num.recovery.threads.per.data.dir", "2");
        // After a kill -9 the controller refuses the new broker incarnation until the old one's
        // session expires (DUPLICATE_BROKER_REGISTRATION): a short session shortens that restart.
        properties.put("broker.heartbeat.interval.ms", "500");
        properties.put("broker.session.timeout.ms", "3000");
        // Kafka's own retention defaults (7 days, checked every 5 minutes), stated for the reader.
        properties.put("log.retention.hours", "168");
        properties.put("log.retention.check.interval.ms", "300000");
        properties.putAll(extraProperties);
        return properties;
    }

    private static void formatIfNeeded(KafkaConfig config, Path data) {
        if (Files.exists(data.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
            return;
        }
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8)) {
            new Formatter()
                    .setPrintStream(quiet)
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(logDirectories(config))
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the Kafka storage in " + data, e);
        }
        log.info("Formatted Kafka storage in {}", data);
    }

    private static List<String> logDirectories(KafkaConfig config) {
        List<String> directories = new ArrayList<>(config.logDirs());
        if (!directories.contains(config.metadataLogDir())) {
            directories.add(config.metadataLogDir());
        }
        return directories;
    }

    private void awaitClientsAnswered() {
        try (Admin admin = admin()) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) READY_TIMEOUT.toMillis()))
                    .nodes()
                    .get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the broker on " + bootstrapServers() + " does not answer", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the broker did not answer within " + READY_TIMEOUT, e);
        }
    }

    private static void awaitUsable(Admin admin, List<String> topics)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, TopicDescription> descriptions =
                admin.describeTopics(topics).allTopicNames().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetSpec> partitions = new LinkedHashMap<>();
        descriptions
                .values()
                .forEach(description -> description
                        .partitions()
                        .forEach(partition -> partitions.put(
                                new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest())));
        admin.listOffsets(partitions, new ListOffsetsOptions().timeoutMs((int) READY_TIMEOUT.toMillis()))
                .all()
                .get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void shutDown(KafkaRaftServer raftServer) {
        raftServer.shutdown();
        raftServer.awaitShutdown();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    /** Options of an embedded broker. */
    public static final class Builder {
        private int port;
        private int controllerPort;
        private @Nullable Path dataDirectory;
        private int defaultPartitions = 1;
        private boolean autoCreateTopics;
        private final Map<String, String> properties = new LinkedHashMap<>();

        private Builder() {}

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

        /** Partitions of topics created without a count ({@code num.partitions}); 1 by default. */
        public Builder defaultPartitions(int defaultPartitions) {
            if (defaultPartitions < 1) {
                throw new IllegalArgumentException("defaultPartitions must be positive: " + defaultPartitions);
            }
            this.defaultPartitions = defaultPartitions;
            return this;
        }

        /** Whether producers and consumers create unknown topics; off by default. */
        public Builder autoCreateTopics(boolean autoCreateTopics) {
            this.autoCreateTopics = autoCreateTopics;
            return this;
        }

        /** A broker property that overrides the defaults of this class. */
        public Builder property(String key, String value) {
            this.properties.put(key, value);
            return this;
        }

        public EmbeddedKafkaBroker build() {
            return new EmbeddedKafkaBroker(this);
        }
    }
}
