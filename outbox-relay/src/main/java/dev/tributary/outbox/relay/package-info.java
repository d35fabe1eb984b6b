/**
 * The outbox relay: a leader-elected Debezium embedded engine that streams a service's committed
 * outbox rows from PostgreSQL's WAL (pgoutput, a publication on the outbox table only, a slot per
 * service) and produces each as a CloudEvents binary-mode record with an idempotent producer,
 * marking it processed only after Kafka acknowledged it. {@link
 * dev.tributary.outbox.relay.OutboxRelay} is the entry point, {@link
 * dev.tributary.outbox.relay.OutboxRelayProperties} its settings.
 */
@NullMarked
package dev.tributary.outbox.relay;

import org.jspecify.annotations.NullMarked;
