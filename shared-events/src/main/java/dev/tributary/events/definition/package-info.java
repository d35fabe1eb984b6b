/**
 * The workflow definition as a client submits it (HTTP body or a record on
 * {@code tributary.workflow-submissions}) and as {@code WorkflowAccepted} carries it.
 */
@NullMarked
package dev.tributary.events.definition;

import org.jspecify.annotations.NullMarked;
