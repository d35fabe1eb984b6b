package dev.tributary.outbox.republish;

import static dev.tributary.testsupport.KafkaTestConsumer.header;
import static dev.tributary.testsupport.KafkaTestConsumer.headerValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.Headers;
import dev.tributary.outbox.polling.PollingOutboxRelay;
import dev.tributary.outbox.relay.OutboxRelay;
import dev.tributary.outbox.relay.OutboxRelayProperties;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import liquibase.integration.spring.SpringLiquibase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /admin/outbox/republish} in a real servlet application with the Debezium relay,
 * against the shared PostgreSQL and Kafka: what it re-publishes is byte for byte what the relay
 * published the first time.
 */
class OutboxRepublishIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String SCHEMA = "reptest";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {}

    @Test
    void republishesTheRowsOfTheRangeWithTheirOriginalKeysIdsAndHeadersAndAnswersWhatItDid() throws Exception {
        String url = TestInfra.newDatabase("republish");
        DataSource dataSource = dataSource(url);
        createOutboxTable(dataSource);
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        String topicA = newTopic("republish_a");
        String topicB = newTopic("republish_b");
        String name = TestInfra.uniqueName("republish");
        // Whole seconds and short fractions on purpose: ce_time must render them as Debezium does.
        Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofMinutes(40));
        Instant from = base;
        Instant to = base.plus(Duration.ofMinutes(10));

        try (ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class)
                        .web(WebApplicationType.SERVLET)
                        .properties(
                                "server.port=0",
                                "spring.main.banner-mode=off",
                                "spring.datasource.url=" + url,
                                "spring.datasource.username="
                                        + TestInfra.postgres().username(),
                                "spring.datasource.password="
                                        + TestInfra.postgres().password(),
                                "spring.kafka.bootstrap-servers="
                                        + TestInfra.kafka().bootstrapServers(),
                                "tributary.outbox.name=" + name,
                                "tributary.outbox.schema=" + SCHEMA,
                                "tributary.outbox.source=/tributary/republish-test",
                                "tributary.outbox.retention=1h")
                        .run();
                KafkaTestConsumer consumer =
                        KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topicA, topicB)) {
            OutboxRelay relay = app.getBean(OutboxRelay.class);
            await().atMost(WAIT).until(relay::isRelaying);
            String endpoint = "http://localhost:" + app.getEnvironment().getProperty("local.server.port")
                    + RepublishController.PATH;

            UUID before = insert(jdbc, topicA, "wf-1", base.minus(Duration.ofMinutes(10)), "00-aa-bb-01");
            List<UUID> inRangeA = List.of(
                    insert(jdbc, topicA, "wf-1", base, null),
                    insert(jdbc, topicA, "wf-2", base.plusMillis(100), "00-aa-bb-01"),
                    insert(jdbc, topicA, "wf-1", base.plusMillis(250), null),
                    insert(jdbc, topicA, "wf-2", base.plusNanos(1_123_456_000L), null));
            UUID inRangeB = insert(jdbc, topicB, "wf-3", base.plusMillis(2_500), null);
            UUID after = insert(jdbc, topicA, "wf-1", to, null);
            List<ConsumerRecord<byte[], byte[]>> originals = consumer.awaitCount(7, WAIT);
            assertThat(headerValues(originals, Headers.CE_ID))
                    .containsExactlyInAnyOrderElementsOf(ids(
                            before,
                            inRangeA.get(0),
                            inRangeA.get(1),
                            inRangeA.get(2),
                            inRangeA.get(3),
                            inRangeB,
                            after));

            // One topic of the range.
            JsonNode answer = ok(post(endpoint, """
                    {"from": "%s", "to": "%s", "topic": "%s"}""".formatted(from, to, topicA)));
            assertThat(answer.get("republished").asLong()).isEqualTo(4);
            assertThat(answer.get("byTopic").get(topicA).asLong()).isEqualTo(4);
            assertThat(answer.get("complete").asBoolean()).isTrue();
            assertThat(Instant.parse(answer.get("oldestRetained").asString()))
                    .isEqualTo(base.minus(Duration.ofMinutes(10)));
            assertThat(Instant.parse(answer.get("from").asString())).isEqualTo(from);
            assertThat(Instant.parse(answer.get("to").asString())).isEqualTo(to);

            List<ConsumerRecord<byte[], byte[]>> all = consumer.awaitCount(11, WAIT);
            List<ConsumerRecord<byte[], byte[]>> republished = all.subList(7, 11);
            assertThat(headerValues(republished, Headers.CE_ID))
                    .as("the range's rows of topic A, in created_at order")
                    .containsExactlyElementsOf(ids(inRangeA.toArray(UUID[]::new)));
            for (ConsumerRecord<byte[], byte[]> copy : republished) {
                ConsumerRecord<byte[], byte[]> original = byId(originals, header(copy, Headers.CE_ID));
                assertThat(copy.topic()).isEqualTo(original.topic());
                assertThat(copy.key()).isEqualTo(original.key());
                assertThat(copy.value()).isEqualTo(original.value());
                assertThat(headers(copy)).as("headers").isEqualTo(headers(original));
            }

            // Every topic of the range.
            answer = ok(post(endpoint, """
                    {"from": "%s", "to": "%s"}""".formatted(from, to)));
            assertThat(answer.get("republished").asLong()).isEqualTo(5);
            assertThat(answer.get("byTopic").get(topicA).asLong()).isEqualTo(4);
            assertThat(answer.get("byTopic").get(topicB).asLong()).isEqualTo(1);
            all = consumer.awaitCount(16, WAIT);
            assertThat(headerValues(all.subList(11, 16), Headers.CE_ID))
                    .containsExactlyInAnyOrderElementsOf(
                            ids(inRangeA.get(0), inRangeA.get(1), inRangeA.get(2), inRangeA.get(3), inRangeB));
            // A consumer that deduplicates on ce_id sees nothing new.
            assertThat(new HashSet<>(headerValues(all, Headers.CE_ID))).hasSize(7);

            assertBadRange(post(endpoint, "{}"), "/from", "/to");
            assertBadRange(post(endpoint, """
                    {"from": "yesterday", "to": "%s"}""".formatted(to)), "/from");
            assertBadRange(post(endpoint, """
                    {"from": "%s", "to": "%s"}""".formatted(to, from)), "/to");
            assertBadRange(post(endpoint, """
                    {"from": "%s", "to": "%s"}""".formatted(from, from)), "/to");
            assertBadRange(post(endpoint, """
                    {"from": "%s", "to": "%s", "topic": 7}""".formatted(from, to)), "/topic");
            assertBadRange(post(endpoint, "not json"), "");

            // A range older than the retention and the oldest row: said so.
            answer = ok(post(endpoint, """
                    {"from": "%s", "to": "%s"}""".formatted(Instant.now().minus(Duration.ofHours(3)), Instant.now())));
            assertThat(answer.get("complete").asBoolean()).isFalse();
            assertThat(Instant.parse(answer.get("oldestRetained").asString()))
                    .isEqualTo(base.minus(Duration.ofMinutes(10)));
            assertThat(answer.get("note").asString()).contains("oldestRetained");
            assertThat(answer.get("republished").asLong()).isEqualTo(7);
            // The bad requests produced nothing: the next records are this re-publish's, in created_at order.
            all = consumer.awaitCount(23, WAIT);
            assertThat(headerValues(all.subList(16, 23), Headers.CE_ID))
                    .containsExactlyInAnyOrderElementsOf(headerValues(originals, Headers.CE_ID));
        } finally {
            dropSlot("tributary_" + name);
        }
    }

    @Test
    void findsNothingRelayedToRepublishInPollingModeAndSaysTheRangeIsIncomplete() throws Exception {
        String url = TestInfra.newDatabase("republish_poll");
        DataSource dataSource = dataSource(url);
        createOutboxTable(dataSource);
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        String topic = newTopic("republish_poll");
        OutboxRelayProperties properties = OutboxRelayProperties.of(Map.of(
                "name",
                TestInfra.uniqueName("reppoll"),
                "schema",
                SCHEMA,
                "relay-mode",
                "polling",
                "polling.interval",
                "20ms"));
        OutboxRepublisher republisher = new OutboxRepublisher(
                properties, dataSource, TestInfra.kafka().bootstrapServers(), 100, Clock.systemUTC());
        Instant start = Instant.now().minusSeconds(1);
        UUID id = insert(jdbc, topic, "wf-p", Instant.now(), null);

        try (PollingOutboxRelay relay = new PollingOutboxRelay(
                        properties, dataSource, TestInfra.kafka().bootstrapServers(), null);
                KafkaTestConsumer consumer =
                        KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
            relay.start();
            assertThat(headerValues(consumer.awaitCount(1, WAIT), Headers.CE_ID))
                    .containsExactly(id.toString());
            await().atMost(WAIT)
                    .until(() -> Objects.equals(
                            jdbc.queryForObject("SELECT count(*) FROM " + SCHEMA + ".outbox", Long.class), 0L));

            OutboxRepublisher.Result result = republisher.republish(
                    new OutboxRepublisher.Range(start, Instant.now().plusSeconds(1), null));

            assertThat(result.republished()).isZero();
            assertThat(result.oldestRetained()).isNull();
            assertThat(result.complete()).isFalse();
            assertThat(republisher.retainsRelayedRows()).isFalse();
        }
    }

    @Test
    void servesNoEndpointWhenTheOutboxIsDisabled() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        DataSourceAutoConfiguration.class,
                        dev.tributary.outbox.autoconfigure.OutboxRelayAutoConfiguration.class))
                .withPropertyValues(
                        "spring.datasource.url=jdbc:postgresql://localhost:1/unused",
                        "tributary.outbox.schema=submission",
                        "tributary.outbox.enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(RepublishController.class);
                    assertThat(context).doesNotHaveBean(OutboxRepublisher.class);
                });
    }

    private static void assertBadRange(HttpResponse<String> response, String... pointers) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.get("type").asString()).endsWith("/invalid-republish-range");
        List<String> named = new ArrayList<>();
        problem.get("errors").forEach(error -> {
            named.add(error.get("pointer").asString());
            assertThat(error.get("reason").asString()).isNotBlank();
        });
        assertThat(named).containsExactly(pointers);
    }

    private static JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> post(String endpoint, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(endpoint))
                        .header("content-type", "application/json")
                        .timeout(WAIT)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static UUID insert(
            JdbcTemplate jdbc, String topic, String key, Instant createdAt, @Nullable String traceparent) {
        UUID id = UUID.randomUUID();
        jdbc.update(
                "INSERT INTO " + SCHEMA + ".outbox (id, topic, aggregate_id, type, payload, traceparent, created_at)"
                        + " VALUES (?, ?, ?, 'tributary.test.happened.v1', ?::jsonb, ?, ?)",
                id,
                topic,
                key,
                "{\"id\": \"" + id + "\", \"n\": 1}",
                traceparent,
                createdAt.atOffset(ZoneOffset.UTC));
        return id;
    }

    private static List<String> ids(UUID... ids) {
        return Arrays.stream(ids).map(UUID::toString).toList();
    }

    private static ConsumerRecord<byte[], byte[]> byId(List<ConsumerRecord<byte[], byte[]>> records, String id) {
        return records.stream()
                .filter(record -> id.equals(header(record, Headers.CE_ID)))
                .findFirst()
                .orElseThrow();
    }

    private static List<String> headers(ConsumerRecord<byte[], byte[]> record) {
        List<String> headers = new ArrayList<>();
        record.headers().forEach(h -> headers.add(h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8)));
        return headers;
    }

    private static String newTopic(String prefix) {
        String topic = TestInfra.uniqueName(prefix);
        await().atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(() -> TestInfra.kafka().createTopic(topic, 1));
        return topic;
    }

    private static DataSource dataSource(String url) {
        return TestInfra.postgres().dataSource(url.substring(url.lastIndexOf('/') + 1));
    }

    private static void createOutboxTable(DataSource dataSource) throws Exception {
        SpringLiquibase liquibase = new SpringLiquibase();
        liquibase.setDataSource(dataSource);
        liquibase.setChangeLog("classpath:db/tributary-outbox/changelog.yaml");
        liquibase.setChangeLogParameters(Map.of("outboxSchema", SCHEMA));
        liquibase.afterPropertiesSet();
    }

    private static void dropSlot(String slot) {
        JdbcTemplate admin = new JdbcTemplate(TestInfra.postgres().adminDataSource());
        await().atMost(WAIT)
                .until(() -> !admin.queryForList(
                                "SELECT active FROM pg_replication_slots WHERE slot_name = ?", Boolean.class, slot)
                        .contains(true));
        admin.queryForList(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?",
                Object.class,
                slot);
    }
}
