@NullMarked
package dev.tributary.consumer;

import org.jspecify.annotations.NullMarked;
