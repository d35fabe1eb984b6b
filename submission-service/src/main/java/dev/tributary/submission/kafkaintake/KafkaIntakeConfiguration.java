package dev.tributary.submission.kafkaintake;

import dev.tributary.consumer.DeadLetters;
import dev.tributary.consumer.OffsetStore;
import dev.tributary.submission.SubmissionProperties;
import dev.tributary.submission.SubmissionProperties.KafkaIntake;
import dev.tributary.submission.intake.WorkflowIntake;
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
 * Wires the Kafka intake; {@code tributary.submission.kafka-intake.enabled=false} leaves it out
 * (submissions then arrive over HTTP only).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "tributary.submission.kafka-intake.enabled", matchIfMissing = true)
class KafkaIntakeConfiguration {

    @Bean(destroyMethod = "close")
    SubmissionDeadLetters kafkaIntakeDeadLetters(KafkaProperties kafka, SubmissionProperties properties) {
        Map<String, Object> config = kafka.buildProducerProperties();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-submission-intake-dead-letters");
        return new SubmissionDeadLetters(new DeadLetters(config, properties.deadLetterTopic(), "submission-service"));
    }

    @Bean
    KafkaIntakeReplay kafkaIntakeReplay(
            KafkaIntakeConsumer kafkaIntakeConsumer,
            KafkaProperties kafka,
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            MeterRegistry meters) {
        return new KafkaIntakeReplay(
                kafkaIntakeConsumer,
                new OffsetStore(jdbc, "submission.consumer_offset"),
                jdbc,
                transactionManager,
                kafka.buildConsumerProperties(),
                meters);
    }

    @Bean
    KafkaIntakeConsumer kafkaIntakeConsumer(
            KafkaProperties kafka,
            SubmissionProperties properties,
            WorkflowIntake intake,
            SubmissionDeadLetters deadLetters,
            JdbcTemplate jdbc,
            PlatformTransactionManager transactionManager,
            MeterRegistry meters) {
        KafkaIntake settings = properties.kafkaIntake();
        OffsetStore offsets = new OffsetStore(jdbc, "submission.consumer_offset");
        TransactionTemplate transactions = new TransactionTemplate(transactionManager);
        return new KafkaIntakeConsumer(
                settings,
                kafka.buildConsumerProperties(),
                () -> new SubmissionBatchProcessor(
                        intake,
                        deadLetters,
                        offsets,
                        transactions,
                        settings.consumerGroup(),
                        properties.maxBodySize().toBytes(),
                        settings.isolation(),
                        meters,
                        jdbc),
                offsets);
    }
}
