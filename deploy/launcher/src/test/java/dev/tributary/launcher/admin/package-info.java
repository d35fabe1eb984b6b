@NullMarked
package dev.tributary.launcher.admin;

import org.jspecify.annotations.NullMarked;
