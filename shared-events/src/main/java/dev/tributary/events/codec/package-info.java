/** The JSON codec every module uses for contract records. */
@NullMarked
package dev.tributary.events.codec;

import org.jspecify.annotations.NullMarked;
