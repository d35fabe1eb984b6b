package dev.tributary.worker;

import dev.tributary.worker.execution.TaskWorker;
import dev.tributary.worker.handler.EchoTaskHandler;
import dev.tributary.worker.handler.FailTaskHandler;
import dev.tributary.worker.handler.HttpTaskHandler;
import dev.tributary.worker.handler.NoopTaskHandler;
import dev.tributary.worker.handler.SleepTaskHandler;
import dev.tributary.worker.handler.TaskHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;

/**
 * Runs every {@link TaskHandler} bean of the application (see {@link TaskWorker}) and registers the
 * built-in handlers {@code noop}, {@code echo}, {@code sleep}, {@code fail} and {@code http}, each
 * of which can be turned off with {@code tributary.worker.builtin-handlers.<type>=false}. Kafka
 * connection settings come from {@code spring.kafka.*}. The whole worker is turned off with {@code
 * tributary.worker.enabled=false}.
 */
@AutoConfiguration(after = KafkaAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "tributary.worker.enabled", matchIfMissing = true)
@EnableConfigurationProperties({WorkerProperties.class, KafkaProperties.class})
public class WorkerAutoConfiguration {

    private static final String BUILTIN = "tributary.worker.builtin-handlers.";

    @Bean
    @ConditionalOnBooleanProperty(name = BUILTIN + NoopTaskHandler.TYPE, matchIfMissing = true)
    NoopTaskHandler noopTaskHandler() {
        return new NoopTaskHandler();
    }

    @Bean
    @ConditionalOnBooleanProperty(name = BUILTIN + EchoTaskHandler.TYPE, matchIfMissing = true)
    EchoTaskHandler echoTaskHandler() {
        return new EchoTaskHandler();
    }

    @Bean
    @ConditionalOnBooleanProperty(name = BUILTIN + SleepTaskHandler.TYPE, matchIfMissing = true)
    SleepTaskHandler sleepTaskHandler() {
        return new SleepTaskHandler();
    }

    @Bean
    @ConditionalOnBooleanProperty(name = BUILTIN + FailTaskHandler.TYPE, matchIfMissing = true)
    FailTaskHandler failTaskHandler() {
        return new FailTaskHandler();
    }

    @Bean
    @ConditionalOnBooleanProperty(name = BUILTIN + HttpTaskHandler.TYPE, matchIfMissing = true)
    HttpTaskHandler httpTaskHandler(WorkerProperties properties) {
        WorkerProperties.Http http = properties.http();
        return new HttpTaskHandler(new HttpTaskHandler.Limits(
                http.connectTimeout(),
                http.defaultTimeout(),
                http.maxTimeout(),
                http.maxResponseSize().toBytes()));
    }

    @Bean
    @ConditionalOnMissingBean
    TaskWorker taskWorker(
            WorkerProperties properties,
            ObjectProvider<TaskHandler> handlers,
            KafkaProperties kafka,
            ObjectProvider<KafkaConnectionDetails> connectionDetails,
            ObjectProvider<MeterRegistry> meterRegistry) {
        Map<String, Object> consumer = new HashMap<>(kafka.buildConsumerProperties());
        Map<String, Object> producer = new HashMap<>(kafka.buildProducerProperties());
        KafkaConnectionDetails details = connectionDetails.getIfAvailable();
        if (details != null) {
            consumer.put(
                    CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    String.join(",", details.getConsumer().getBootstrapServers()));
            producer.put(
                    CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    String.join(",", details.getProducer().getBootstrapServers()));
        }
        return new TaskWorker(
                properties,
                handlers.orderedStream().toList(),
                consumer,
                producer,
                meterRegistry.getIfAvailable(SimpleMeterRegistry::new));
    }
}
