package dev.tributary.benchmark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/**
 * The reference cost of the raw parts on this machine, measured in the same run: PostgreSQL
 * single-row ~500-byte insert transactions per second (pgbench, custom script, against the same
 * embedded server) and the Kafka produce → consume round trip on the same broker.
 */
final class Baselines {

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
    private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");

    private Baselines() {}

    /** pgbench with one INSERT of a ~500-byte jsonb row per transaction; null when pgbench fails. */
    static Results.@Nullable PgBench pgbench(Postgres postgres, int clients, int seconds, Path workDirectory) {
        String database = "pgbench_baseline";
        try {
            postgres.createDatabase(database);
            try (Connection connection = postgres.connect(database);
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE outbox_like (id bigserial PRIMARY KEY, payload jsonb NOT NULL,"
                        + " created_at timestamptz NOT NULL DEFAULT clock_timestamp())");
            }
            String payload = "{\"type\":\"tributary.task-succeeded.v1\",\"data\":\"" + "x".repeat(440) + "\"}";
            String script = "INSERT INTO outbox_like (payload) VALUES ('" + payload + "');\n";
            Path file = workDirectory.resolve("pgbench-insert.sql");
            Files.createDirectories(workDirectory);
            Files.writeString(file, script);
            ProcessBuilder builder = new ProcessBuilder(
                            "pgbench",
                            "-n",
                            "-c",
                            Integer.toString(clients),
                            "-j",
                            "2",
                            "-T",
                            Integer.toString(seconds),
                            "-f",
                            file.toString(),
                            "-h",
                            "localhost",
                            "-p",
                            Integer.toString(postgres.port()),
                            "-U",
                            postgres.username(),
                            database)
                    .redirectErrorStream(true);
            builder.environment().put("PGPASSWORD", postgres.password());
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(seconds + 60L, TimeUnit.SECONDS);
            Matcher tps = TPS.matcher(output);
            Matcher latency = LATENCY.matcher(output);
            if (!tps.find()) {
                System.err.println("pgbench gave no tps:\n" + output);
                return null;
            }
            return new Results.PgBench(
                    clients,
                    seconds,
                    "one INSERT of a ~" + payload.length() + "-byte jsonb row per transaction",
                    Double.parseDouble(tps.group(1)),
                    latency.find() ? Double.parseDouble(latency.group(1)) : Double.NaN,
                    output.strip());
        } catch (IOException | SQLException e) {
            System.err.println("pgbench baseline failed: " + e);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * One message at a time (the next is sent once the last arrived): producer {@code acks=all},
     * {@code linger.ms=0}; consumer {@code fetch.max.wait.ms=500} but woken by the data.
     */
    static Results.@Nullable KafkaRoundTrip kafkaRoundTrip(String bootstrapServers, int messages) {
        String topic = "b.baseline-round-trip-" + System.currentTimeMillis();
        int bytes = 500;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("Kafka baseline failed: " + e);
            return null;
        }
        Histogram micros = new Histogram(3);
        Semaphore received = new Semaphore(0);
        AtomicBoolean running = new AtomicBoolean(true);
        TopicPartition partition = new TopicPartition(topic, 0);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        consumer.assign(List.of(partition));
        consumer.seekToEnd(List.of(partition));
        consumer.position(partition);
        Thread reader = new Thread(
                () -> {
                    try (consumer) {
                        while (running.get()) {
                            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                                long sent = ByteBuffer.wrap(record.value()).getLong();
                                micros.recordValue(Math.max(0, (System.nanoTime() - sent) / 1000));
                                received.release();
                            }
                        }
                    }
                },
                "bench-round-trip-consumer");
        reader.start();
        long started = System.nanoTime();
        int done = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.LINGER_MS_CONFIG, "0",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            // Warm up metadata and the fetch session.
            for (int i = 0; i < messages + 50; i++) {
                ByteBuffer value = ByteBuffer.allocate(bytes);
                value.putLong(System.nanoTime());
                producer.send(new ProducerRecord<>(topic, value.array()));
                if (!received.tryAcquire(10, TimeUnit.SECONDS)) {
                    System.err.println("Kafka baseline: a message did not come back within 10 s");
                    break;
                }
                if (i == 49) {
                    micros.reset();
                    started = System.nanoTime();
                }
                done = i - 49;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running.set(false);
            try {
                reader.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Results.KafkaRoundTrip(
                done, bytes, Results.Percentiles.of(micros, 1000), Analysis.round2(done / seconds));
    }
}
