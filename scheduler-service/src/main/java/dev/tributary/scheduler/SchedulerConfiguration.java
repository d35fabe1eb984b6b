package dev.tributary.scheduler;

import dev.tributary.outbox.OutboxWriter;
import dev.tributary.scheduler.dag.WorkflowStateMachine;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** The plain-Java pieces the adapters share. */
@Configuration(proxyBeanMethods = false)
class SchedulerConfiguration {

    @Bean
    WorkflowStateMachine workflowStateMachine(SchedulerProperties properties) {
        return new WorkflowStateMachine(properties.defaultRetry().toRetryDefaults());
    }

    @Bean
    OutboxWriter schedulerOutboxWriter(JdbcTemplate jdbcTemplate, SchedulerProperties properties) {
        return new OutboxWriter(jdbcTemplate, properties.outboxTable());
    }
}
