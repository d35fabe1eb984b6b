/**
 * The polling outbox relay: the alternative to the Debezium relay that many teams build, selected
 * with {@code tributary.outbox.relay-mode=polling}. It serves as the baseline of the benchmark
 * (docs/performance.md) and works as a relay in its own right. {@link
 * dev.tributary.outbox.polling.PollingOutboxRelay} is the entry point.
 */
@NullMarked
package dev.tributary.outbox.polling;

import org.jspecify.annotations.NullMarked;
