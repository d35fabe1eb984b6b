/**
 * Crash recovery with the services as separate processes: the launcher's one-service mode in
 * child JVMs, a restartable PostgreSQL and Kafka broker in the test JVM, kill -9 and restarts
 * while workflows run, and what the history topic proves afterwards.
 */
@NullMarked
package dev.tributary.crash;

import org.jspecify.annotations.NullMarked;
