/**
 * Workflow intake: reads a submission with a size limit, parses it, validates its shape against
 * the published JSON Schema and its DAG semantically (every error at once, each with a JSON
 * Pointer), and stores it idempotently: the workflow row, its task rows and the {@code
 * WorkflowAccepted} outbox row commit in one transaction. Entry points: {@link
 * dev.tributary.submission.intake.WorkflowIntake} and the HTTP controller.
 */
@NullMarked
package dev.tributary.submission.intake;

import org.jspecify.annotations.NullMarked;
