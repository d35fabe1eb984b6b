/**
 * Test infrastructure shared by every module: one embedded PostgreSQL and one KRaft broker per
 * test JVM, started on first use and stopped when the JVM exits. Tests isolate themselves by
 * database, schema, topic or ids, never by restarting the servers (except tests that are about a
 * server going away, which use {@link dev.tributary.testsupport.TestInfra#kafka()}'s stop/start).
 */
@NullMarked
package dev.tributary.testsupport;

import org.jspecify.annotations.NullMarked;
