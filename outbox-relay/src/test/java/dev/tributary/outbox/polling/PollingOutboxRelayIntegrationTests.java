package dev.tributary.outbox.polling;

import static dev.tributary.testsupport.KafkaTestConsumer.header;
import static dev.tributary.testsupport.KafkaTestConsumer.headerValues;
import static dev.tributary.testsupport.KafkaTestConsumer.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.Headers;
import dev.tributary.outbox.OutboxMessage;
import dev.tributary.outbox.OutboxWriter;
import dev.tributary.outbox.autoconfigure.OutboxRelayAutoConfiguration;
import dev.tributary.outbox.autoconfigure.OutboxRelayLifecycle;
import dev.tributary.outbox.relay.OutboxRelay;
import dev.tributary.outbox.relay.OutboxRelayProperties;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import liquibase.integration.spring.SpringLiquibase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The polling relay against the real outbox table, PostgreSQL and Kafka. */
class PollingOutboxRelayIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String SCHEMA = "polltest";

    @Test
    void relaysCommittedRowsInOrderPerKeyWithCloudEventHeadersAndDeletesThem() throws Exception {
        String url = TestInfra.newDatabase("poll_relay");
        DataSource dataSource = dataSource(url);
        createOutboxTable(dataSource);
        String topic = newTopic("poll_relay_events");
        String name = TestInfra.uniqueName("poll");
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        OutboxWriter writer = new OutboxWriter(jdbc, SCHEMA + ".outbox");
        // Two instances on one outbox, small batches: order per key must hold across them.
        OutboxRelayProperties properties = properties(name, Map.of("polling.batch-size", 7));
        List<OutboxMessage> written = new ArrayList<>();

        try (PollingOutboxRelay first = new PollingOutboxRelay(
                        properties, dataSource, TestInfra.kafka().bootstrapServers(), null);
                PollingOutboxRelay second = new PollingOutboxRelay(
                        properties, dataSource, TestInfra.kafka().bootstrapServers(), null)) {
            first.start();
            second.start();
            for (int i = 0; i < 60; i++) {
                List<OutboxMessage> batch = new ArrayList<>();
                for (String key : List.of("wf-a", "wf-b", "wf-c")) {
                    batch.add(new OutboxMessage(
                            UUID.randomUUID(), topic, key, "tributary.test.v1", "{\"n\":" + i + "}", null));
                }
                transactions.executeWithoutResult(status -> writer.appendAll(batch));
                written.addAll(batch);
            }

            try (KafkaTestConsumer consumer =
                    KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
                List<ConsumerRecord<byte[], byte[]>> records = consumer.awaitCount(written.size(), WAIT);

                for (String key : List.of("wf-a", "wf-b", "wf-c")) {
                    List<String> expected = written.stream()
                            .filter(message -> message.key().equals(key))
                            .map(message -> message.id().toString())
                            .toList();
                    List<String> relayedForKey = records.stream()
                            .filter(record -> key.equals(text(record.key())))
                            .map(record -> header(record, Headers.CE_ID))
                            .toList();
                    assertThat(relayedForKey).as("order of key %s", key).isEqualTo(expected);
                }
                ConsumerRecord<byte[], byte[]> sample = records.getFirst();
                assertThat(header(sample, Headers.CE_SPECVERSION)).isEqualTo(Headers.SPECVERSION);
                assertThat(header(sample, Headers.CE_TYPE)).isEqualTo("tributary.test.v1");
                assertThat(header(sample, Headers.CE_SUBJECT)).isEqualTo(text(sample.key()));
                assertThat(header(sample, Headers.CE_TIME)).isNotBlank();
                assertThat(headerValues(records, Headers.CE_SOURCE)).containsOnly("/tributary/" + name);
            }
            await().atMost(WAIT)
                    .untilAsserted(() -> assertThat(
                                    jdbc.queryForObject("SELECT count(*) FROM " + SCHEMA + ".outbox", Long.class))
                            .isZero());
        }
    }

    @Test
    void sendsAnEventKafkaCannotAcceptToTheDeadLetterTopicAndGoesOn() throws Exception {
        String url = TestInfra.newDatabase("poll_dlt");
        DataSource dataSource = dataSource(url);
        createOutboxTable(dataSource);
        String topic = newTopic("poll_dlt_events");
        String deadLetters = newTopic("poll_dlt_dead");
        String name = TestInfra.uniqueName("polldlt");
        OutboxWriter writer = new OutboxWriter(new JdbcTemplate(dataSource), SCHEMA + ".outbox");
        OutboxMessage invalid =
                new OutboxMessage(UUID.randomUUID(), "not a valid topic!", "wf-x", "tributary.test.v1", "{}", null);
        OutboxMessage valid = new OutboxMessage(UUID.randomUUID(), topic, "wf-x", "tributary.test.v1", "{}", null);
        writer.appendAll(List.of(invalid, valid));

        try (PollingOutboxRelay relay = new PollingOutboxRelay(
                        properties(name, Map.of("dead-letter-topic", deadLetters)),
                        dataSource,
                        TestInfra.kafka().bootstrapServers(),
                        null);
                KafkaTestConsumer events =
                        KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic);
                KafkaTestConsumer dead =
                        KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), deadLetters)) {
            relay.start();
            assertThat(headerValues(events.awaitCount(1, WAIT), Headers.CE_ID))
                    .containsExactly(valid.id().toString());
            ConsumerRecord<byte[], byte[]> rejected = dead.awaitCount(1, WAIT).getFirst();
            assertThat(header(rejected, Headers.CE_ID)).isEqualTo(invalid.id().toString());
            assertThat(header(rejected, Headers.DLT_ORIGINAL_TOPIC)).isEqualTo("not a valid topic!");
            assertThat(header(rejected, Headers.DLT_REASON)).contains("Kafka rejected");
        }
    }

    @Test
    void theAutoConfigurationRunsThePollingRelayInsteadOfDebeziumWhenAsked() throws Exception {
        String url = TestInfra.newDatabase("poll_boot");
        createOutboxTable(dataSource(url));
        String topic = newTopic("poll_boot_events");
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class,
                        JdbcTemplateAutoConfiguration.class,
                        OutboxRelayAutoConfiguration.class))
                .withPropertyValues(
                        "spring.datasource.url=" + url,
                        "spring.datasource.username=" + TestInfra.postgres().username(),
                        "spring.datasource.password=" + TestInfra.postgres().password(),
                        "spring.kafka.bootstrap-servers=" + TestInfra.kafka().bootstrapServers(),
                        "tributary.outbox.name=" + TestInfra.uniqueName("pollboot"),
                        "tributary.outbox.schema=" + SCHEMA,
                        "tributary.outbox.relay-mode=polling",
                        "tributary.outbox.polling.interval=20ms")
                .run(context -> {
                    assertThat(context).doesNotHaveBean(OutboxRelay.class);
                    assertThat(context).hasSingleBean(OutboxRelayLifecycle.class);
                    PollingOutboxRelay relay = context.getBean(PollingOutboxRelay.class);
                    assertThat(relay.isRunning()).isTrue();
                    assertThat(relay.properties().polling().interval()).isEqualTo(Duration.ofMillis(20));
                    OutboxMessage message =
                            new OutboxMessage(UUID.randomUUID(), topic, "wf-boot", "tributary.test.v1", "{}", null);
                    context.getBean(OutboxWriter.class).append(message);
                    try (KafkaTestConsumer consumer =
                            KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
                        assertThat(headerValues(consumer.awaitCount(1, WAIT), Headers.CE_ID))
                                .containsExactly(message.id().toString());
                    }
                });
    }

    private static OutboxRelayProperties properties(String name, Map<String, ?> overrides) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("name", name);
        values.put("schema", SCHEMA);
        values.put("relay-mode", "polling");
        values.put("polling.interval", "20ms");
        values.put("send-retry-backoff", "50ms");
        values.putAll(overrides);
        return OutboxRelayProperties.of(values);
    }

    private static String newTopic(String prefix) {
        String topic = TestInfra.uniqueName(prefix);
        await().atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(() -> TestInfra.kafka().createTopic(topic, 3));
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
}
