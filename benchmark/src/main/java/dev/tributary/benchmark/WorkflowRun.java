package dev.tributary.benchmark;

/**
 * One submitted workflow and what the history showed about it. Client times are wall-clock
 * microseconds; record times are Kafka record timestamps (CreateTime, milliseconds, stamped by the
 * producing process on this machine, so on the same clock). 0 means "not seen".
 */
final class WorkflowRun {

    final String workflowId;
    final Step step;
    /** When the open-loop schedule said this workflow arrives, wall-clock microseconds. */
    final long scheduledMicros;

    private long sentMicros;
    private long answeredMicros;
    private int status;
    private long acceptedMillis;
    private long finishedMillis;
    private boolean succeeded;
    private final long[] dispatchedMillis;
    private final long[] startedMillis;
    private final long[] taskSucceededMillis;

    WorkflowRun(String workflowId, Step step, long scheduledMicros, int tasks) {
        this.workflowId = workflowId;
        this.step = step;
        this.scheduledMicros = scheduledMicros;
        dispatchedMillis = new long[tasks];
        startedMillis = new long[tasks];
        taskSucceededMillis = new long[tasks];
    }

    synchronized void sent(long micros) {
        sentMicros = micros;
    }

    synchronized void answered(long micros, int httpStatus) {
        answeredMicros = micros;
        status = httpStatus;
    }

    synchronized boolean accepted(long millis) {
        if (acceptedMillis != 0) {
            return false;
        }
        acceptedMillis = millis;
        return true;
    }

    /** Records the first final event; true if it is the first. */
    synchronized boolean finished(long millis, boolean ok) {
        if (finishedMillis != 0) {
            return false;
        }
        finishedMillis = millis;
        succeeded = ok;
        return true;
    }

    synchronized void dispatched(int task, long millis) {
        firstOf(dispatchedMillis, task, millis);
    }

    synchronized void started(int task, long millis) {
        firstOf(startedMillis, task, millis);
    }

    /** Records a task's success; true if it is the first for that task. */
    synchronized boolean taskSucceeded(int task, long millis) {
        boolean first = taskSucceededMillis[task] == 0;
        firstOf(taskSucceededMillis, task, millis);
        return first;
    }

    private static void firstOf(long[] times, int task, long millis) {
        if (times[task] == 0 || millis < times[task]) {
            times[task] = millis;
        }
    }

    synchronized Snapshot snapshot() {
        return new Snapshot(
                scheduledMicros,
                sentMicros,
                answeredMicros,
                status,
                acceptedMillis,
                succeeded ? finishedMillis : 0,
                finishedMillis,
                dispatchedMillis.clone(),
                startedMillis.clone(),
                taskSucceededMillis.clone());
    }

    /** {@code succeededMillis} is 0 unless the workflow succeeded. */
    record Snapshot(
            long scheduledMicros,
            long sentMicros,
            long answeredMicros,
            int status,
            long acceptedMillis,
            long succeededMillis,
            long finishedMillis,
            long[] dispatchedMillis,
            long[] startedMillis,
            long[] taskSucceededMillis) {}
}
