/**
 * The transactional outbox: {@link dev.tributary.outbox.OutboxWriter} appends a message to the
 * service's outbox table inside the caller's transaction, and the relay (a Debezium embedded
 * engine, leader-elected) produces each committed row to Kafka. Services include the Liquibase
 * changelog {@code db/tributary-outbox/changelog.yaml} to create the table.
 */
@NullMarked
package dev.tributary.outbox;

import org.jspecify.annotations.NullMarked;
