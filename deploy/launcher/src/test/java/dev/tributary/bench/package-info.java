/**
 * The end-to-end benchmark of the whole system (not a test): throughput, release latency and
 * outbox relay latency measured from the history topic's record timestamps.
 */
@NullMarked
package dev.tributary.bench;

import org.jspecify.annotations.NullMarked;
