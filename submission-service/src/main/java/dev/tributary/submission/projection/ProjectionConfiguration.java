package dev.tributary.submission.projection;

import dev.tributary.consumer.DeadLetters;
import dev.tributary.consumer.OffsetStore;
import dev.tributary.submission.SubmissionProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Wires the status projection; {@code tributary.submission.projection.enabled=false} leaves it out
 * (the read API then shows statuses as stored).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "tributary.submission.projection.enabled", matchIfMissing = true)
class ProjectionConfiguration {

    @Bean
    ProjectionRules projectionRules(SubmissionProperties properties) {
        return new ProjectionRules(properties.projection().defaultMaxAttempts());
    }

    @Bean
    ProjectionStore projectionStore(JdbcTemplate jdbc) {
        return new ProjectionStore(jdbc);
    }

    @Bean
    OffsetStore projectionOffsetStore(JdbcTemplate jdbc) {
        return new OffsetStore(jdbc, "submission.consumer_offset");
    }

    @Bean
    DeadLetters projectionDeadLetters(KafkaProperties kafka, SubmissionProperties properties) {
        Map<String, Object> config = kafka.buildProducerProperties();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-submission-dead-letters");
        return new DeadLetters(config, properties.deadLetterTopic(), "submission-service");
    }

    @Bean
    ProjectionBatchProcessor projectionBatchProcessor(
            ProjectionRules rules,
            ProjectionStore store,
            OffsetStore projectionOffsetStore,
            DeadLetters projectionDeadLetters,
            PlatformTransactionManager transactionManager,
            SubmissionProperties properties,
            MeterRegistry meters) {
        return new ProjectionBatchProcessor(
                rules,
                store,
                projectionOffsetStore,
                projectionDeadLetters,
                new TransactionTemplate(transactionManager),
                properties.projection().consumerGroup(),
                meters);
    }

    @Bean
    ProjectionRebuild projectionRebuild(
            ProjectionConsumer projectionConsumer,
            OffsetStore projectionOffsetStore,
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            KafkaProperties kafka,
            MeterRegistry meters) {
        return new ProjectionRebuild(
                projectionConsumer,
                projectionOffsetStore,
                jdbc,
                transactionManager,
                kafka.buildConsumerProperties(),
                meters);
    }

    @Bean
    ProjectionConsumer projectionConsumer(
            KafkaProperties kafka,
            SubmissionProperties properties,
            ProjectionBatchProcessor processor,
            OffsetStore projectionOffsetStore) {
        return new ProjectionConsumer(kafka, properties, processor, projectionOffsetStore);
    }
}
