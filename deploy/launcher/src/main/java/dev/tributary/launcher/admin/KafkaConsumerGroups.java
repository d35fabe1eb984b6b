package dev.tributary.launcher.admin;

import org.apache.kafka.tools.consumer.group.ConsumerGroupCommand;

/**
 * {@code tributary kafka-consumer-groups <args>}: Kafka's own {@code kafka-consumer-groups} tool
 * ({@code org.apache.kafka:kafka-tools} at the broker's version), passed the arguments unchanged.
 * For consumer groups whose offsets live in Kafka (the worker's {@code tributary-worker-<type>}),
 * e.g. {@code --bootstrap-server localhost:9092 --group tributary-worker-echo --topic
 * tributary.tasks.echo --reset-offsets --to-datetime 2026-11-28T02:00:00.000 --execute}; the group
 * must have no members (stop the worker) for a reset. Like Kafka's script it prints its own errors
 * (and usage errors end the JVM with status 1).
 */
public final class KafkaConsumerGroups {

    private KafkaConsumerGroups() {}

    /** Runs the tool with these arguments in this JVM. */
    public static void run(String[] args) {
        ConsumerGroupCommand.main(args);
    }
}
