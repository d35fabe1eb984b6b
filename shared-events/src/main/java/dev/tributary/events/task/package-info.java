/** Commands on {@code tributary.tasks.<type>}: what a worker is asked to run. */
@NullMarked
package dev.tributary.events.task;

import org.jspecify.annotations.NullMarked;
