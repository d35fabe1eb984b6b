package dev.tributary.bench;

import java.time.Instant;

/**
 * One submitted workflow and what the history showed about it. Client times are wall-clock
 * microseconds; record times are the Kafka record timestamps (CreateTime, milliseconds, stamped by
 * the producing relay or worker in this JVM, so on the same clock). 0 means "not seen".
 */
final class Submission {

    final String workflowId;
    final Phase phase;
    private long postMicros;
    private long responseMicros;
    private int status;
    private long acceptedMillis;
    private long finishedMillis;
    private boolean finishedOk;
    private final long[] dispatchedMillis;
    private final long[] startedMillis;
    private final long[] taskSucceededMillis;

    Submission(String workflowId, Phase phase, int tasks) {
        this.workflowId = workflowId;
        this.phase = phase;
        dispatchedMillis = new long[tasks];
        startedMillis = new long[tasks];
        taskSucceededMillis = new long[tasks];
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    synchronized void posted(long micros) {
        postMicros = micros;
    }

    synchronized void answered(long micros, int httpStatus) {
        responseMicros = micros;
        status = httpStatus;
    }

    /** Records the first {@code WorkflowAccepted}; true if it is the first. */
    synchronized boolean accepted(long millis) {
        if (acceptedMillis != 0) {
            return false;
        }
        acceptedMillis = millis;
        return true;
    }

    /** Records the first final event (succeeded, failed or cancelled); true if it is the first. */
    synchronized boolean finished(long millis, boolean succeeded) {
        if (finishedMillis != 0) {
            return false;
        }
        finishedMillis = millis;
        finishedOk = succeeded;
        return true;
    }

    synchronized void dispatched(int task, long millis) {
        firstOf(dispatchedMillis, task, millis);
    }

    synchronized void started(int task, long millis) {
        firstOf(startedMillis, task, millis);
    }

    synchronized void taskSucceeded(int task, long millis) {
        firstOf(taskSucceededMillis, task, millis);
    }

    private static void firstOf(long[] times, int task, long millis) {
        if (times[task] == 0 || millis < times[task]) {
            times[task] = millis;
        }
    }

    /** A consistent copy for the analysis after a phase. */
    synchronized Snapshot snapshot() {
        return new Snapshot(
                postMicros,
                responseMicros,
                status,
                acceptedMillis,
                finishedOk ? finishedMillis : 0,
                dispatchedMillis.clone(),
                startedMillis.clone(),
                taskSucceededMillis.clone());
    }

    /** {@code succeededMillis} is the {@code WorkflowSucceeded} record time, 0 if none (yet). */
    record Snapshot(
            long postMicros,
            long responseMicros,
            int status,
            long acceptedMillis,
            long succeededMillis,
            long[] dispatchedMillis,
            long[] startedMillis,
            long[] taskSucceededMillis) {}
}
