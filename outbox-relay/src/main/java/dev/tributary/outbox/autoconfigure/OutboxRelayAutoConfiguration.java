package dev.tributary.outbox.autoconfigure;

import dev.tributary.outbox.OutboxWriter;
import dev.tributary.outbox.polling.PollingOutboxRelay;
import dev.tributary.outbox.relay.DatabaseConnection;
import dev.tributary.outbox.relay.OutboxRelay;
import dev.tributary.outbox.relay.OutboxRelayProperties;
import dev.tributary.outbox.republish.OutboxRepublisher;
import dev.tributary.outbox.republish.RepublishController;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Activated by having the library on the classpath and a {@link DataSource}: an {@link
 * OutboxWriter} on {@code <schema>.<table>} and, unless {@code tributary.outbox.enabled=false}, a
 * relay: the Debezium relay, or with {@code tributary.outbox.relay-mode=polling} the polling relay.
 * Database settings default to {@code spring.datasource.*}, Kafka to {@code
 * spring.kafka.bootstrap-servers}. In a servlet web application with the outbox enabled it also
 * serves {@code POST /admin/outbox/republish} ({@link RepublishController}).
 */
@AutoConfiguration(after = DataSourceAutoConfiguration.class)
@ConditionalOnBean(DataSource.class)
@EnableConfigurationProperties(OutboxRelayProperties.class)
public class OutboxRelayAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    OutboxWriter outboxWriter(
            DataSource dataSource, ObjectProvider<JdbcTemplate> jdbcTemplate, OutboxRelayProperties properties) {
        JdbcTemplate jdbc = jdbcTemplate.getIfUnique(() -> new JdbcTemplate(dataSource));
        return new OutboxWriter(jdbc, properties.qualifiedTable());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "tributary.outbox.enabled", matchIfMissing = true)
    @ConditionalOnProperty(name = "tributary.outbox.relay-mode", havingValue = "debezium", matchIfMissing = true)
    OutboxRelay outboxRelay(
            OutboxRelayProperties properties,
            DataSource dataSource,
            Environment environment,
            ObjectProvider<MeterRegistry> meterRegistry) {
        OutboxRelay.Builder builder = OutboxRelay.builder(properties)
                .bootstrapServers(Binder.get(environment)
                        .bind("spring.kafka.bootstrap-servers", Bindable.listOf(String.class))
                        .map(servers -> String.join(",", servers))
                        .orElse("localhost:9092"))
                .meterRegistry(meterRegistry.getIfUnique());
        String url = properties.jdbcUrl();
        if (url == null) {
            url = environment.getProperty("spring.datasource.url");
            if (url == null) {
                throw new IllegalStateException(
                        "The outbox relay needs tributary.outbox.jdbc-url or spring.datasource.url (a PostgreSQL URL)");
            }
            // Same database as the service: its pool serves the relay's short statements.
            builder.dataSource(dataSource);
        }
        String username = properties.username() != null
                ? properties.username()
                : environment.getProperty("spring.datasource.username", "postgres");
        String password = properties.password() != null
                ? properties.password()
                : environment.getProperty("spring.datasource.password", "");
        builder.database(new DatabaseConnection(url, username, password));
        return builder.build();
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "tributary.outbox.enabled", matchIfMissing = true)
    @ConditionalOnProperty(name = "tributary.outbox.relay-mode", havingValue = "debezium", matchIfMissing = true)
    OutboxRelayLifecycle outboxRelayLifecycle(OutboxRelay relay) {
        return new OutboxRelayLifecycle(relay::start, relay::stop, relay::isRunning);
    }

    /** {@code tributary.outbox.relay-mode=polling}: the polling relay instead of Debezium. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBooleanProperty(name = "tributary.outbox.enabled", matchIfMissing = true)
    @ConditionalOnProperty(name = "tributary.outbox.relay-mode", havingValue = "polling")
    PollingOutboxRelay pollingOutboxRelay(
            OutboxRelayProperties properties,
            DataSource dataSource,
            Environment environment,
            ObjectProvider<MeterRegistry> meterRegistry) {
        return new PollingOutboxRelay(
                properties, dataSource, bootstrapServers(properties, environment), meterRegistry.getIfUnique());
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "tributary.outbox.enabled", matchIfMissing = true)
    @ConditionalOnProperty(name = "tributary.outbox.relay-mode", havingValue = "polling")
    OutboxRelayLifecycle pollingOutboxRelayLifecycle(PollingOutboxRelay relay) {
        return new OutboxRelayLifecycle(relay::start, relay::stop, relay::isRunning);
    }

    /** Re-publishing from the outbox, over HTTP: only in a servlet web application with the outbox enabled. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnClass(name = "org.springframework.web.bind.annotation.RestController")
    @ConditionalOnBooleanProperty(name = "tributary.outbox.enabled", matchIfMissing = true)
    static class RepublishConfiguration {

        @Bean
        @ConditionalOnMissingBean
        OutboxRepublisher outboxRepublisher(
                OutboxRelayProperties properties, DataSource dataSource, Environment environment) {
            return new OutboxRepublisher(
                    properties,
                    dataSource,
                    bootstrapServers(properties, environment),
                    properties.maxBatchSize(),
                    Clock.systemUTC());
        }

        @Bean
        @ConditionalOnMissingBean
        RepublishController outboxRepublishController(OutboxRepublisher republisher) {
            return new RepublishController(republisher);
        }
    }

    /** {@code tributary.outbox.bootstrap-servers}, else {@code spring.kafka.bootstrap-servers}, else localhost. */
    static String bootstrapServers(OutboxRelayProperties properties, Environment environment) {
        if (properties.bootstrapServers() != null) {
            return properties.bootstrapServers();
        }
        return Binder.get(environment)
                .bind("spring.kafka.bootstrap-servers", Bindable.listOf(String.class))
                .map(servers -> String.join(",", servers))
                .orElse("localhost:9092");
    }
}
