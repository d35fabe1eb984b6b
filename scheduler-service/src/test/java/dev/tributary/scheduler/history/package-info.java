@NullMarked
package dev.tributary.scheduler.history;

import org.jspecify.annotations.NullMarked;
