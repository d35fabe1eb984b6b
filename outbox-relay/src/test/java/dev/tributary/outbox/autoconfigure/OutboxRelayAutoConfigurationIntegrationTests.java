package dev.tributary.outbox.autoconfigure;

import static dev.tributary.testsupport.KafkaTestConsumer.headerValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.Headers;
import dev.tributary.outbox.OutboxMessage;
import dev.tributary.outbox.OutboxWriter;
import dev.tributary.outbox.relay.OutboxRelay;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import liquibase.integration.spring.SpringLiquibase;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The library activates itself in a Spring Boot application from its properties. */
class OutboxRelayAutoConfigurationIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(90);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class,
                    JdbcTemplateAutoConfiguration.class,
                    OutboxRelayAutoConfiguration.class));

    @Test
    void relaysRowsWrittenWithTheAutoConfiguredWriterAndStopsWithTheContext() throws Exception {
        String url = TestInfra.newDatabase("relay_boot");
        createOutboxTable(url);
        String topic = TestInfra.uniqueName("relay_boot_events");
        await().atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(() -> TestInfra.kafka().createTopic(topic, 1));
        String name = TestInfra.uniqueName("boot");

        OutboxRelay[] started = new OutboxRelay[1];
        runner.withPropertyValues(
                        "spring.datasource.url=" + url,
                        "spring.datasource.username=" + TestInfra.postgres().username(),
                        "spring.datasource.password=" + TestInfra.postgres().password(),
                        "spring.kafka.bootstrap-servers=" + TestInfra.kafka().bootstrapServers(),
                        "tributary.outbox.name=" + name,
                        "tributary.outbox.schema=boot",
                        "tributary.outbox.source=/tributary/boot-test")
                .run(context -> {
                    OutboxRelay relay = context.getBean(OutboxRelay.class);
                    started[0] = relay;
                    assertThat(context).hasSingleBean(OutboxRelayLifecycle.class);
                    assertThat(relay.properties().slotName()).isEqualTo("tributary_" + name);
                    await().atMost(WAIT).until(relay::isRelaying);

                    OutboxMessage message =
                            new OutboxMessage(UUID.randomUUID(), topic, "wf-boot", "tributary.test.v1", "{}", null);
                    new TransactionTemplate(context.getBean(PlatformTransactionManager.class))
                            .executeWithoutResult(status ->
                                    context.getBean(OutboxWriter.class).append(message));

                    try (var consumer =
                            KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
                        var records = consumer.awaitHeaderValues(
                                Headers.CE_ID, List.of(message.id().toString()), WAIT);
                        assertThat(headerValues(records, Headers.CE_SOURCE)).containsOnly("/tributary/boot-test");
                    }
                });

        assertThat(started[0].isRunning()).isFalse();
        assertThat(started[0].isLeader()).isFalse();
        dropSlot("tributary_" + name);
    }

    @Test
    void keepsTheWriterButNoRelayWhenTheRelayIsDisabled() {
        runner.withPropertyValues(
                        "spring.datasource.url=jdbc:postgresql://localhost:1/unused",
                        "tributary.outbox.schema=submission",
                        "tributary.outbox.enabled=false")
                .run(context -> {
                    assertThat(context).hasSingleBean(OutboxWriter.class);
                    assertThat(context).doesNotHaveBean(OutboxRelay.class);
                    assertThat(context).doesNotHaveBean(OutboxRelayLifecycle.class);
                });
    }

    @Test
    void staysAwayWithoutADataSource() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(OutboxRelayAutoConfiguration.class))
                .run(context -> {
                    assertThat(context).doesNotHaveBean(OutboxWriter.class);
                    assertThat(context).doesNotHaveBean(OutboxRelay.class);
                });
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

    private static void createOutboxTable(String url) throws Exception {
        SpringLiquibase liquibase = new SpringLiquibase();
        liquibase.setDataSource(new SimpleDriverDataSource(
                new org.postgresql.Driver(),
                url,
                TestInfra.postgres().username(),
                TestInfra.postgres().password()));
        liquibase.setChangeLog("classpath:db/tributary-outbox/changelog.yaml");
        liquibase.setChangeLogParameters(java.util.Map.of("outboxSchema", "boot"));
        liquibase.afterPropertiesSet();
    }
}
