@NullMarked
package dev.tributary.outbox.polling;

import org.jspecify.annotations.NullMarked;
