/**
 * Operator commands run from the launcher jar instead of starting the system: {@code tributary
 * admin ...} ({@link dev.tributary.launcher.admin.AdminCli}, a client of the services' HTTP admin
 * API) and {@code tributary kafka-consumer-groups ...} ({@link
 * dev.tributary.launcher.admin.KafkaConsumerGroups}, Kafka's own tool).
 */
@NullMarked
package dev.tributary.launcher.admin;

import org.jspecify.annotations.NullMarked;
