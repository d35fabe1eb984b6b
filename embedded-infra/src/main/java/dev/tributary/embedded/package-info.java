/**
 * Embedded infrastructure for tests and the all-in-one launcher: a KRaft Kafka broker on a fixed,
 * restartable port and a PostgreSQL server set up for logical decoding. Not for production.
 */
@NullMarked
package dev.tributary.embedded;

import org.jspecify.annotations.NullMarked;
