/**
 * Re-publishing retained outbox rows of a time range to Kafka (issue 7 §2): the repair after a
 * Kafka data loss. {@link dev.tributary.outbox.republish.OutboxRepublisher} reads the rows and
 * produces them with the relays' own mapping, so every record carries its original {@code ce_id}
 * and consumers absorb what they already saw; {@link
 * dev.tributary.outbox.republish.RepublishController} serves it as {@code POST
 * /admin/outbox/republish}.
 */
@NullMarked
package dev.tributary.outbox.republish;

import org.jspecify.annotations.NullMarked;
