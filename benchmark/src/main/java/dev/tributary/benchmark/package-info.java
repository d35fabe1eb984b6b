/**
 * The benchmark harness (issue 8): open-loop, stepped load against the whole system with the
 * Debezium relay and, in the same run, with the polling relay; pgbench and Kafka round-trip
 * baselines; a JSON result and a self-contained HTML report per run. {@link
 * dev.tributary.benchmark.Benchmark} is the entry point; docs/performance.md describes the method.
 */
@NullMarked
package dev.tributary.benchmark;

import org.jspecify.annotations.NullMarked;
