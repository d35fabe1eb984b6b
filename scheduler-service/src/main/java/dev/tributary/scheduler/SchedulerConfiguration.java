package dev.tributary.scheduler;

import dev.tributary.scheduler.dag.WorkflowStateMachine;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The plain-Java pieces the adapters share. The {@code OutboxWriter} comes from the outbox-relay
 * library, on {@code tributary.outbox.schema}'s table.
 */
@Configuration(proxyBeanMethods = false)
class SchedulerConfiguration {

    @Bean
    WorkflowStateMachine workflowStateMachine(SchedulerProperties properties) {
        return new WorkflowStateMachine(properties.defaultRetry().toRetryDefaults());
    }
}
