package dev.tributary.outbox.relay.bench;

import dev.tributary.events.Headers;
import dev.tributary.outbox.OutboxMessage;
import dev.tributary.outbox.OutboxWriter;
import dev.tributary.outbox.relay.DatabaseConnection;
import dev.tributary.outbox.relay.OutboxRelay;
import dev.tributary.outbox.relay.OutboxRelayProperties;
import dev.tributary.testsupport.TestInfra;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import liquibase.integration.spring.SpringLiquibase;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * Measures outbox commit → Kafka latency of the relay with its default (low-latency) settings on
 * embedded PostgreSQL and Kafka: p50/p99 at 200 and 1,000 writes/s, then the highest sustained
 * write rate (writers unthrottled). Each write is one transaction with one ~500-byte outbox row.
 *
 * <p>Two latencies are reported per phase: {@code commit→consumed} (HdrHistogram; from the
 * writer's commit returning to a consumer in this JVM receiving the record, an upper bound of
 * commit → acknowledgement) and {@code created→ack} (the relay's own {@code
 * tributary.outbox.relay.lag} timer: row {@code created_at} to the broker's acknowledgement).
 *
 * <p>Run: {@code ./mvnw -B -pl outbox-relay -am -Prelay-benchmark test-compile} (arguments via
 * {@code -Dbenchmark.args="seconds=20 writers=8"}; {@code relay.<property>=value} overrides a
 * relay property, e.g. {@code relay.offset-flush-interval=10s}).
 */
public final class RelayLatencyBenchmark {

    private static final String SCHEMA = "bench";
    private static final String PAYLOAD_PAD = "x".repeat(380);

    private final Map<String, Long> committedAt = new ConcurrentHashMap<>();
    private final Map<String, Long> consumedEarly = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final Recorder commitToConsumed = new Recorder(3);
    private final AtomicBoolean running = new AtomicBoolean(true);

    private RelayLatencyBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new java.util.HashMap<>();
        for (String arg : args) {
            for (String part : arg.trim().split("\\s+")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    options.put(part.substring(0, eq), part.substring(eq + 1));
                }
            }
        }
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "20"));
        int writers = Integer.parseInt(options.getOrDefault("writers", "8"));
        Map<String, String> relaySettings = new java.util.HashMap<>();
        options.forEach((key, value) -> {
            if (key.startsWith("relay.")) {
                relaySettings.put(key.substring("relay.".length()), value);
            }
        });
        int status = 0;
        try {
            new RelayLatencyBenchmark().run(seconds, writers, relaySettings);
        } catch (Exception | Error e) {
            e.printStackTrace();
            status = 1;
        }
        // The embedded servers run on non-daemon threads.
        System.exit(status);
    }

    private void run(int seconds, int writers, Map<String, String> relaySettings) throws Exception {
        String url = TestInfra.newDatabase("relay_bench");
        String user = TestInfra.postgres().username();
        String password = TestInfra.postgres().password();
        SpringLiquibase liquibase = new SpringLiquibase();
        liquibase.setDataSource(new SingleConnectionDataSource(url, user, password, true));
        liquibase.setChangeLog("classpath:db/tributary-outbox/changelog.yaml");
        liquibase.setChangeLogParameters(Map.of("outboxSchema", SCHEMA));
        liquibase.afterPropertiesSet();
        String topic = TestInfra.uniqueName("relay_bench_events");
        createTopic(topic, 6);

        Map<String, String> settings = new java.util.HashMap<>(relaySettings);
        settings.put("name", TestInfra.uniqueName("bench"));
        settings.put("schema", SCHEMA);
        OutboxRelayProperties properties = OutboxRelayProperties.of(settings);
        DatabaseConnection database = new DatabaseConnection(url, user, password);
        Thread consumer = new Thread(() -> consume(topic), "bench-consumer");
        consumer.start();

        System.out.printf(
                Locale.ROOT,
                "%s, %d cores, writers=%d, %d s per phase%n",
                System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                writers,
                seconds);
        Phase phase = new Phase(properties, database, topic, writers);
        phase.run("warm-up 200/s", 200, Math.max(5, seconds / 4), false);
        phase.run("200 writes/s", 200, seconds, true);
        phase.run("1000 writes/s", 1_000, seconds, true);
        phase.run("unthrottled", 0, seconds, true);

        running.set(false);
        consumer.join();
    }

    /** What every phase shares. */
    private final class Phase {
        private final OutboxRelayProperties properties;
        private final DatabaseConnection database;
        private final String topic;
        private final int writers;

        Phase(OutboxRelayProperties properties, DatabaseConnection database, String topic, int writers) {
            this.properties = properties;
            this.database = database;
            this.topic = topic;
            this.writers = writers;
        }

        /** Runs one phase with its own relay (and meter registry), so the relay's percentiles are per phase. */
        void run(String name, int rate, int seconds, boolean report) throws Exception {
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            meters.config().meterFilter(new MeterFilter() {
                @Override
                public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                    return DistributionStatisticConfig.builder()
                            .percentiles(0.5, 0.99)
                            .expiry(Duration.ofHours(1))
                            .bufferLength(1)
                            .build()
                            .merge(config);
                }
            });
            try (OutboxRelay relay = OutboxRelay.builder(properties)
                    .database(database)
                    .bootstrapServers(TestInfra.kafka().bootstrapServers())
                    .meterRegistry(meters)
                    .build()) {
                relay.start();
                long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (!relay.isRelaying() && System.nanoTime() < waitUntil) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
                phase(
                        name,
                        database.jdbcUrl(),
                        database.username(),
                        database.password(),
                        topic,
                        rate,
                        seconds,
                        writers,
                        meters,
                        report);
            }
        }
    }

    private void phase(
            String name,
            String url,
            String user,
            String password,
            String topic,
            int rate,
            int seconds,
            int writers,
            SimpleMeterRegistry meters,
            boolean report)
            throws Exception {
        awaitDrained(Duration.ofSeconds(120));
        commitToConsumed.reset();
        long receivedBefore = received.get();
        AtomicLong sequence = new AtomicLong();
        AtomicLong written = new AtomicLong();
        long intervalNanos = rate == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch done = new CountDownLatch(writers);
        for (int w = 0; w < writers; w++) {
            pool.execute(() -> {
                try (Connection connection = java.sql.DriverManager.getConnection(url, user, password)) {
                    OutboxWriter writer = new OutboxWriter(
                            new JdbcTemplate(new SingleConnectionDataSource(connection, true)), SCHEMA + ".outbox");
                    while (true) {
                        long n = sequence.getAndIncrement();
                        long due = start + n * intervalNanos;
                        if (due >= end || System.nanoTime() >= end) {
                            return;
                        }
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        UUID id = UUID.randomUUID();
                        writer.append(new OutboxMessage(
                                id,
                                topic,
                                "wf-" + (n % 1_000),
                                "tributary.bench.v1",
                                "{\"id\": \"" + id + "\", \"pad\": \"" + PAYLOAD_PAD + "\"}",
                                null));
                        long committed = System.nanoTime();
                        Long early = consumedEarly.remove(id.toString());
                        if (early == null) {
                            committedAt.put(id.toString(), committed);
                        } else {
                            commitToConsumed.recordValue(Math.max(0, early - committed));
                            received.incrementAndGet();
                        }
                        written.incrementAndGet();
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        double writeSeconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        awaitDrained(Duration.ofSeconds(300));
        double drainSeconds = (System.nanoTime() - start) / 1e9;
        if (!report) {
            return;
        }
        Histogram histogram = commitToConsumed.getIntervalHistogram();
        Timer phaseLag = meters.find("tributary.outbox.relay.lag").timer();
        long relayed = received.get() - receivedBefore;
        System.out.printf(
                Locale.ROOT,
                "%-14s written %6d (%7.1f/s)  relayed %6d in %5.1f s (%7.1f/s)"
                        + "  commit→consumed p50 %6.1f ms p90 %6.1f ms p99 %6.1f ms max %7.1f ms  created→ack p50 %6.1f ms p99 %6.1f ms%n",
                name,
                written.get(),
                written.get() / writeSeconds,
                relayed,
                drainSeconds,
                relayed / drainSeconds,
                histogram.getValueAtPercentile(50) / 1e6,
                histogram.getValueAtPercentile(90) / 1e6,
                histogram.getValueAtPercentile(99) / 1e6,
                histogram.getMaxValue() / 1e6,
                percentile(phaseLag, 0.5),
                percentile(phaseLag, 0.99));
    }

    /** Retries: a freshly started (or busy) embedded broker may briefly not serve a new topic. */
    private static void createTopic(String topic, int partitions) {
        for (int attempt = 1; ; attempt++) {
            try {
                TestInfra.kafka().createTopic(topic, partitions);
                return;
            } catch (IllegalStateException e) {
                if (attempt == 10) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            }
        }
    }

    private static double percentile(Timer timer, double percentile) {
        if (timer == null) {
            return Double.NaN;
        }
        for (ValueAtPercentile value : timer.takeSnapshot().percentileValues()) {
            if (value.percentile() == percentile) {
                return value.value(TimeUnit.MILLISECONDS);
            }
        }
        return Double.NaN;
    }

    private void awaitDrained(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!committedAt.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        if (!committedAt.isEmpty()) {
            System.out.printf("%d events not relayed within %s%n", committedAt.size(), timeout);
            committedAt.clear();
        }
    }

    private void consume(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafka().bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"))) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    Header id = record.headers().lastHeader(Headers.CE_ID);
                    Long committed =
                            id == null ? null : committedAt.remove(new String(id.value(), StandardCharsets.UTF_8));
                    if (committed != null) {
                        commitToConsumed.recordValue(Math.max(0, now - committed));
                        received.incrementAndGet();
                    } else if (id != null) {
                        // consumed before the writer noted its commit (rare): the writer records it
                        consumedEarly.put(new String(id.value(), StandardCharsets.UTF_8), now);
                    }
                }
            }
        }
    }
}
