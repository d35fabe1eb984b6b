@NullMarked
package dev.tributary.benchmark;

import org.jspecify.annotations.NullMarked;
