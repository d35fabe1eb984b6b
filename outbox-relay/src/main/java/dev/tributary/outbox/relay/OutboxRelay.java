package dev.tributary.outbox.relay;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The outbox relay of one service: streams committed outbox rows from PostgreSQL's WAL with the
 * Debezium embedded engine and produces each to Kafka, marking it processed only once the broker
 * acknowledged it. Any number of instances may run for the same outbox; the one holding the
 * PostgreSQL advisory lock (on a dedicated connection) relays, the others stand by and take over
 * within seconds when the leader's process or connection dies.
 *
 * <p>Works without Spring: build it with {@link #builder(OutboxRelayProperties)}, then {@link
 * #start()} and {@link #stop()} (or {@link #close()}) it, as often as needed. In a Spring Boot
 * application the auto-configuration does this.
 */
public final class OutboxRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final Object WAKE = new Object();
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final OutboxRelayProperties properties;
    private final DatabaseConnection database;
    private final String bootstrapServers;
    private final OutboxDatabase sql;
    private final RelayMetrics metrics;
    private final AtomicReference<@Nullable Instant> relayedUpTo = new AtomicReference<>();
    private final LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<>();
    private final Object lifecycle = new Object();
    private final AtomicInteger engineStarts = new AtomicInteger();
    private final String threadSuffix;

    private @Nullable Thread supervisor;
    private @Nullable ScheduledExecutorService maintenance;
    private volatile boolean stopRequested;
    private volatile boolean leader;
    private volatile @Nullable EngineRun engine;
    private volatile int lockBackendPid = -1;

    private OutboxRelay(Builder builder) {
        this.properties = builder.properties;
        this.database = Objects.requireNonNull(builder.database, "database connection");
        this.bootstrapServers = Objects.requireNonNull(builder.bootstrapServers, "bootstrap servers");
        DataSource dataSource = builder.dataSource != null
                ? builder.dataSource
                : new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password());
        this.sql = new OutboxDatabase(dataSource, properties);
        this.metrics = new RelayMetrics(builder.meterRegistry, properties.name());
        this.threadSuffix = properties.name() + "-" + INSTANCES.incrementAndGet();
    }

    /** Starts building a relay with these properties. */
    public static Builder builder(OutboxRelayProperties properties) {
        return new Builder(properties);
    }

    /**
     * Makes sure the publication and the replication slot exist, then starts competing for
     * leadership (and relaying once leader) in the background. Does nothing if already started.
     *
     * <p>The slot is created here, by every instance, because the engine streams from the slot's
     * position without a data snapshot: a row committed before the slot existed would never be
     * relayed, and the service may commit rows as soon as it starts, before the leader's engine has
     * run. If the database cannot be reached now, the engine creates both later, as before.
     */
    public void start() {
        synchronized (lifecycle) {
            if (supervisor != null) {
                return;
            }
            prepare();
            stopRequested = false;
            signals.clear();
            Thread thread = new Thread(this::supervise, "tributary-outbox-relay-" + threadSuffix);
            thread.setDaemon(true);
            supervisor = thread;
            thread.start();
            ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread maintenanceThread = new Thread(task, "tributary-outbox-maintenance-" + threadSuffix);
                maintenanceThread.setDaemon(true);
                return maintenanceThread;
            });
            long slotLagMillis = properties.slotLagInterval().toMillis();
            executor.scheduleWithFixedDelay(this::refreshSlotLag, 0, slotLagMillis, TimeUnit.MILLISECONDS);
            long retentionMillis = properties.retentionInterval().toMillis();
            executor.scheduleWithFixedDelay(
                    this::retentionTick, retentionMillis, retentionMillis, TimeUnit.MILLISECONDS);
            maintenance = executor;
        }
    }

    /**
     * Stops relaying: stops the engine (flushing the offsets of everything acknowledged), closes the
     * producer, releases the leader lock. Blocks until done, bounded by the shutdown timeout.
     */
    public void stop() {
        synchronized (lifecycle) {
            Thread thread = supervisor;
            if (thread == null) {
                return;
            }
            stopRequested = true;
            signals.offer(WAKE);
            try {
                thread.join(properties.shutdownTimeout().plusSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("Outbox relay {} did not stop within {}", properties.name(), properties.shutdownTimeout());
            }
            supervisor = null;
            ScheduledExecutorService executor = maintenance;
            maintenance = null;
            if (executor != null) {
                executor.shutdownNow();
            }
        }
    }

    private void prepare() {
        try {
            if (properties.createPublication()) {
                sql.ensurePublication();
            }
            // A slot decoding from before its publication exists fails on that WAL: publication first.
            if (sql.publicationExists()) {
                sql.ensureSlot();
            } else {
                log.warn(
                        "Outbox relay {}: publication {} does not exist yet; the engine creates the slot once it does",
                        properties.name(),
                        properties.publicationName());
            }
        } catch (RuntimeException e) {
            log.warn(
                    "Outbox relay {} could not prepare its publication and slot now; its engine will: {}",
                    properties.name(),
                    rootMessage(e));
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Whether {@link #start()} was called and {@link #stop()} not since. */
    public boolean isRunning() {
        synchronized (lifecycle) {
            return supervisor != null;
        }
    }

    /** Whether this instance holds the leader lock. */
    public boolean isLeader() {
        return leader;
    }

    /** Whether this instance is leader and its engine is streaming changes from the slot. */
    public boolean isRelaying() {
        EngineRun run = engine;
        return leader && run != null && run.isStreaming();
    }

    public OutboxRelayProperties properties() {
        return properties;
    }

    /**
     * Runs the retention job once: deletes rows older than the retention that this relay has seen
     * relayed (no newer than the newest acknowledged row's {@code created_at}). The scheduled job
     * calls this on the leader every retention interval.
     *
     * @return the number of rows deleted
     */
    public int purgeRelayedRows() {
        Instant upTo = relayedUpTo.get();
        if (upTo == null) {
            return 0;
        }
        int deleted = sql.purge(Instant.now(), upTo);
        if (deleted > 0) {
            log.info(
                    "Outbox relay {} deleted {} relayed rows older than {}",
                    properties.name(),
                    deleted,
                    properties.retention());
        }
        return deleted;
    }

    /** The newest {@code created_at} this relay saw acknowledged, or null (for tests). */
    @Nullable
    Instant relayedUpTo() {
        return relayedUpTo.get();
    }

    /** How many engine runs this relay started (for tests). */
    int engineStarts() {
        return engineStarts.get();
    }

    /** The backend pid of the leader lock connection, or -1 when there is none (for tests). */
    int lockBackendPid() {
        return lockBackendPid;
    }

    private void supervise() {
        LeaderLock lock = new LeaderLock(database, properties.slotName(), properties.leaderCheckTimeout());
        RelayProducer producer = null;
        long rejoinAt = System.nanoTime();
        long nextStartAt = System.nanoTime();
        Duration restartBackoff = properties.restartBackoff();
        try {
            while (!stopRequested) {
                if (!lock.isHeld()) {
                    if (System.nanoTime() - rejoinAt >= 0 && lock.tryAcquire()) {
                        lockBackendPid = lock.backendPid();
                        leader = true;
                        metrics.leader(true);
                        log.info(
                                "Outbox relay {} became leader (slot {}, lock session pid {})",
                                properties.name(),
                                properties.slotName(),
                                lockBackendPid);
                        producer = new RelayProducer(properties, bootstrapServers);
                        restartBackoff = properties.restartBackoff();
                        nextStartAt = System.nanoTime();
                        continue;
                    }
                    awaitSignal(properties.leaderAcquireInterval());
                    continue;
                }
                if (!lock.isAlive(properties.leaderCheckTimeout())) {
                    leader = false;
                    log.info(
                            "Outbox relay {} lost leadership: its lock connection is gone; stopping the engine",
                            properties.name());
                    stepDown(lock, producer);
                    producer = null;
                    rejoinAt = System.nanoTime() + properties.rejoinDelay().toNanos();
                    continue;
                }
                EngineRun run = engine;
                if (run != null && run.isFinished()) {
                    Throwable failure = run.failure();
                    log.warn(
                            "Outbox relay {} engine ended{}; restarting in {} ms",
                            properties.name(),
                            failure == null ? "" : ": " + rootMessage(failure),
                            restartBackoff.toMillis());
                    engine = null;
                    run = null;
                    nextStartAt = System.nanoTime() + restartBackoff.toNanos();
                    restartBackoff = doubled(restartBackoff, properties.restartMaxBackoff());
                } else if (run != null && run.isStreaming()) {
                    restartBackoff = properties.restartBackoff();
                }
                if (run == null && System.nanoTime() - nextStartAt >= 0 && producer != null) {
                    try {
                        if (properties.createPublication()) {
                            sql.ensurePublication();
                        }
                        engine = startEngine(producer);
                    } catch (RuntimeException e) {
                        log.warn(
                                "Outbox relay {} could not start its engine, retrying in {} ms: {}",
                                properties.name(),
                                restartBackoff.toMillis(),
                                rootMessage(e));
                        nextStartAt = System.nanoTime() + restartBackoff.toNanos();
                        restartBackoff = doubled(restartBackoff, properties.restartMaxBackoff());
                    }
                }
                awaitSignal(properties.leaderCheckInterval());
            }
        } catch (RuntimeException | Error e) {
            log.error("Outbox relay {} supervisor failed", properties.name(), e);
            throw e;
        } finally {
            boolean wasLeader = leader;
            leader = false;
            stepDown(lock, producer);
            if (wasLeader) {
                log.info("Outbox relay {} stopped and released leadership", properties.name());
            }
        }
    }

    private EngineRun startEngine(RelayProducer producer) {
        engineStarts.incrementAndGet();
        return new EngineRun(
                "tributary-outbox-engine-" + threadSuffix,
                DebeziumSettings.of(properties, database, bootstrapServers),
                halted -> new RelayHandler(producer, properties, metrics, this::advanceRelayedUpTo, halted),
                () -> signals.offer(WAKE));
    }

    /** Stops the engine, closes the producer and releases the lock, in that order. */
    private void stepDown(LeaderLock lock, @Nullable RelayProducer producer) {
        EngineRun run = engine;
        engine = null;
        if (run != null) {
            run.stop(properties.shutdownTimeout());
        }
        if (producer != null) {
            producer.close();
        }
        lock.close();
        leader = false;
        lockBackendPid = -1;
        metrics.leader(false);
    }

    private void advanceRelayedUpTo(Instant createdAt) {
        relayedUpTo.accumulateAndGet(
                createdAt, (current, candidate) -> current == null || candidate.isAfter(current) ? candidate : current);
    }

    private void refreshSlotLag() {
        try {
            Long lag = sql.slotLagBytes();
            metrics.slotLag(lag == null ? -1 : lag);
        } catch (RuntimeException e) {
            log.debug("Reading the slot lag of {} failed: {}", properties.slotName(), e.getMessage());
        }
    }

    private void retentionTick() {
        if (!leader) {
            return;
        }
        try {
            purgeRelayedRows();
        } catch (RuntimeException e) {
            log.warn("Outbox relay {} retention failed: {}", properties.name(), rootMessage(e));
        }
    }

    private void awaitSignal(Duration timeout) {
        try {
            signals.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            signals.clear();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopRequested = true;
        }
    }

    private static Duration doubled(Duration current, Duration max) {
        Duration next = current.multipliedBy(2);
        return next.compareTo(max) > 0 ? max : next;
    }

    private static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == error ? String.valueOf(error) : error + " (cause: " + root + ")";
    }

    /** Options of a relay; {@link #database} and {@link #bootstrapServers} fall back to the properties. */
    public static final class Builder {
        private final OutboxRelayProperties properties;
        private @Nullable DatabaseConnection database;
        private @Nullable String bootstrapServers;
        private @Nullable DataSource dataSource;
        private @Nullable MeterRegistry meterRegistry;

        private Builder(OutboxRelayProperties properties) {
            this.properties = properties;
            String url = properties.jdbcUrl();
            if (url != null) {
                this.database = new DatabaseConnection(
                        url,
                        Objects.requireNonNullElse(properties.username(), "postgres"),
                        Objects.requireNonNullElse(properties.password(), ""));
            }
            this.bootstrapServers = properties.bootstrapServers();
        }

        /** The database of the outbox, unless {@code jdbc-url} is set in the properties. */
        public Builder database(DatabaseConnection fallback) {
            if (this.database == null) {
                this.database = fallback;
            }
            return this;
        }

        /** Kafka bootstrap servers, unless {@code bootstrap-servers} is set in the properties. */
        public Builder bootstrapServers(String fallback) {
            if (this.bootstrapServers == null) {
                this.bootstrapServers = fallback;
            }
            return this;
        }

        /**
         * A (pooled) data source on the outbox database for the relay's short SQL (publication,
         * retention, slot lag); by default the relay opens plain connections. The leader lock
         * always uses its own dedicated connection.
         */
        public Builder dataSource(DataSource dataSource) {
            this.dataSource = dataSource;
            return this;
        }

        /** Where the relay's meters go; none by default. */
        public Builder meterRegistry(@Nullable MeterRegistry meterRegistry) {
            this.meterRegistry = meterRegistry;
            return this;
        }

        public OutboxRelay build() {
            return new OutboxRelay(this);
        }
    }
}
