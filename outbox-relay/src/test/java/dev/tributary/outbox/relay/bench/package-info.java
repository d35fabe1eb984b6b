/** Benchmarks of the outbox relay; programs with a {@code main}, not tests. */
@NullMarked
package dev.tributary.outbox.relay.bench;

import org.jspecify.annotations.NullMarked;
