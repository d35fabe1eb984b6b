/**
 * Spring Boot auto-configuration of the outbox: an {@link dev.tributary.outbox.OutboxWriter} bean
 * on the service's data source and, unless {@code tributary.outbox.enabled=false}, an {@link
 * dev.tributary.outbox.relay.OutboxRelay} started and stopped with the application context.
 */
@NullMarked
package dev.tributary.outbox.autoconfigure;

import org.jspecify.annotations.NullMarked;
