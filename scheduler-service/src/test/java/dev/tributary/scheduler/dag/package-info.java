@NullMarked
package dev.tributary.scheduler.dag;

import org.jspecify.annotations.NullMarked;
