/**
 * The all-in-one launcher: starts an embedded KRaft Kafka broker and an embedded PostgreSQL (or
 * uses external ones when configured), creates the topics, and runs submission-service,
 * scheduler-service and worker-service as three Spring application contexts in this JVM, each on
 * its own HTTP port. For trying Tributary on one machine; not a production deployment.
 */
@NullMarked
package dev.tributary.launcher;

import org.jspecify.annotations.NullMarked;
