/**
 * Tributary's event contracts: the records that travel on Kafka, their topic and header names,
 * the one JSON codec every module uses, and (as resources) the JSON Schemas that external
 * producers validate against. Contracts only: no Spring, no I/O beyond the codec.
 */
@NullMarked
package dev.tributary.events;

import org.jspecify.annotations.NullMarked;
