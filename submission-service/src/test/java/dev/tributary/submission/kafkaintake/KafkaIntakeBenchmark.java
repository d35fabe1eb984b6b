package dev.tributary.submission.kafkaintake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.submission.SubmissionApplication;
import dev.tributary.submission.SubmissionDatabase;
import dev.tributary.submission.intake.WorkflowIntake;
import dev.tributary.testsupport.TestInfra;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Accepted submissions per second through the submissions topic: {@code bench.records} (20,000)
 * three-task submissions (~330 bytes, keyed by id) are put on a 3-partition topic first, then the
 * intake starts and the time until its stored offsets reach the end is measured, once per {@code
 * bench.isolation} x {@code bench.batch} combination, each on a fresh database. Not part of the
 * suite (the class name does not end in Tests); run it with {@code ./mvnw -B -pl submission-service
 * -am test -Dtest=KafkaIntakeBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * [-Dbench.records=20000 -Dbench.isolation=savepoint,transaction -Dbench.batch=500
 * -Dbench.concurrency=1]} and read the
 * {@code BENCH} lines in {@code target/surefire-reports/*KafkaIntakeBenchmark-output.txt}.
 */
class KafkaIntakeBenchmark {

    private static final int RECORDS = Integer.getInteger("bench.records", 20_000);
    private static final List<String> ISOLATIONS = List.of(
            System.getProperty("bench.isolation", "savepoint,transaction").split(","));
    private static final List<String> BATCHES =
            List.of(System.getProperty("bench.batch", "500").split(","));
    private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 1);

    @Test
    void measure() throws Exception {
        for (String batch : BATCHES) {
            for (String isolation : ISOLATIONS) {
                run(isolation.trim(), Integer.parseInt(batch.trim()));
            }
        }
    }

    private void run(String isolation, int batch) throws Exception {
        try (SubmissionTopics topics = new SubmissionTopics("bench_intake", 3)) {
            Map<Integer, Long> end = produce(topics);
            String url = TestInfra.newDatabase("bench_intake");
            List<String> args = new ArrayList<>(List.of(
                    "--spring.config.name=submission-service",
                    "--server.port=0",
                    "--spring.datasource.url=" + url,
                    "--spring.datasource.username=" + TestInfra.postgres().username(),
                    "--spring.datasource.password=" + TestInfra.postgres().password(),
                    "--tributary.outbox.enabled=false",
                    "--tributary.submission.kafka-intake.auto-startup=false",
                    "--tributary.submission.kafka-intake.isolation=" + isolation,
                    "--tributary.submission.kafka-intake.max-poll-records=" + batch,
                    "--tributary.submission.kafka-intake.concurrency=" + CONCURRENCY));
            topics.properties().forEach((name, value) -> args.add("--" + name + "=" + value));
            try (ConfigurableApplicationContext context =
                    new SpringApplication(SubmissionApplication.class).run(args.toArray(String[]::new))) {
                JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
                WorkflowIntake intake = context.getBean(WorkflowIntake.class);
                byte[] sample = submission(0);
                long decodeStart = System.nanoTime();
                for (int i = 0; i < 5_000; i++) {
                    assertThat(SubmissionRecord.decode(
                                    new ConsumerRecord<>(topics.submissions(), 0, i, "bench-0", sample),
                                    intake,
                                    1 << 20))
                            .isInstanceOf(SubmissionRecord.Valid.class);
                }
                System.out.printf(
                        "BENCH kafka intake: decode + validate alone: %.3f ms per record%n",
                        (System.nanoTime() - decodeStart) / 1e6 / 5_000);
                KafkaIntakeConsumer consumer = context.getBean(KafkaIntakeConsumer.class);
                long start = System.nanoTime();
                consumer.start();
                Awaitility.await()
                        .atMost(Duration.ofMinutes(15))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            Map<Integer, Long> stored = topics.storedOffsets(jdbc);
                            return end.entrySet().stream()
                                    .allMatch(e -> stored.getOrDefault(e.getKey(), 0L) >= e.getValue());
                        });
                double seconds = (System.nanoTime() - start) / 1e9;
                long workflows = SubmissionDatabase.workflows(jdbc);
                assertThat(workflows).isEqualTo(RECORDS);
                Timer batches = context.getBean(MeterRegistry.class)
                        .get("tributary.submission.kafka-intake.batch")
                        .timer();
                System.out.printf(
                        "BENCH kafka intake: isolation=%s max-poll-records=%d concurrency=%d: %d records -> %d workflows in %.2f s:"
                                + " %.0f accepted/s; %d batches, mean %.1f ms, max %.1f ms%n",
                        isolation,
                        batch,
                        CONCURRENCY,
                        RECORDS,
                        workflows,
                        seconds,
                        RECORDS / seconds,
                        batches.count(),
                        batches.mean(TimeUnit.MILLISECONDS),
                        batches.max(TimeUnit.MILLISECONDS));
            }
        }
    }

    private static Map<Integer, Long> produce(SubmissionTopics topics) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>(RECORDS);
        for (int i = 0; i < RECORDS; i++) {
            sent.add(topics.sendAsync(null, "bench-" + i, submission(i), Map.of()));
        }
        topics.flush();
        Map<Integer, Long> end = new HashMap<>();
        for (Future<RecordMetadata> future : sent) {
            RecordMetadata metadata = future.get(60, TimeUnit.SECONDS);
            end.merge(metadata.partition(), metadata.offset() + 1, Math::max);
        }
        return end;
    }

    private static byte[] submission(int i) {
        return ("{\"name\": \"bench\", \"input\": {\"order\": " + i + ", \"customer\": \"c-" + (i % 97)
                        + "\"}, \"labels\": {\"team\": \"bench\"}, \"tasks\": [{\"id\": \"reserve\", \"type\":"
                        + " \"inventory.reserve\"}, {\"id\": \"charge\", \"type\": \"payment.charge\","
                        + " \"dependsOn\": [\"reserve\"], \"retry\": {\"maxAttempts\": 3}}, {\"id\": \"ship\","
                        + " \"type\": \"shipping.ship\", \"dependsOn\": [\"charge\"]}]}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
