/** Typed ids: serialized as plain JSON strings, never confused with one another in code. */
@NullMarked
package dev.tributary.events.ids;

import org.jspecify.annotations.NullMarked;
