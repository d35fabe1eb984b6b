@NullMarked
package dev.tributary.outbox.republish;

import org.jspecify.annotations.NullMarked;
