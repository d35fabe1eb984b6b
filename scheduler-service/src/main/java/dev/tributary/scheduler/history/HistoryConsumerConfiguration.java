package dev.tributary.scheduler.history;

import dev.tributary.consumer.DeadLetters;
import dev.tributary.consumer.OffsetStore;
import dev.tributary.scheduler.SchedulerProperties;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The history consumer's offsets ({@code scheduler.consumer_offset}) and dead letters. */
@Configuration(proxyBeanMethods = false)
class HistoryConsumerConfiguration {

    /** What the dead letters' source header names. */
    static final String SOURCE = "scheduler-service";

    @Bean
    OffsetStore schedulerOffsetStore(JdbcTemplate jdbc) {
        return new OffsetStore(jdbc, "scheduler.consumer_offset");
    }

    @Bean
    DeadLetters schedulerDeadLetters(KafkaProperties kafka, SchedulerProperties properties) {
        Map<String, Object> config = kafka.buildProducerProperties();
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tributary-scheduler-dead-letters");
        return new DeadLetters(config, properties.deadLetterTopic(), SOURCE);
    }
}
