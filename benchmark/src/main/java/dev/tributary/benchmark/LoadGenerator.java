package dev.tributary.benchmark;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load: workflow {@code i} of a step is due at {@code start + i / rate} whatever happened
 * to earlier ones, and every latency is measured from that scheduled time, so a slow server shows
 * as queueing instead of slowing the clock down. Each request runs on a virtual thread; at most
 * {@code max-in-flight} are open (beyond that the pacer waits, and the wait counts in the
 * latencies because they start at the scheduled time).
 */
final class LoadGenerator implements AutoCloseable {

    private static final int ERRORS_SHOWN = 5;

    final AtomicLong arrivals = new AtomicLong();
    private final HttpClient http;
    private final URI uri;
    private final HistoryReader history;
    private final Workload workload;
    private final String idPrefix;
    private final Semaphore inFlight;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger errorsShown = new AtomicInteger();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    LoadGenerator(int port, HistoryReader history, Workload workload, String idPrefix, int maxInFlight) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(threads)
                .build();
        this.uri = URI.create("http://localhost:" + port + "/api/v1/workflows");
        this.history = history;
        this.workload = workload;
        this.idPrefix = idPrefix;
        this.inFlight = new Semaphore(maxInFlight);
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    /** Runs one step at its rate for the duration; returns when the last arrival was sent. */
    void run(Step step, Duration duration) throws InterruptedException {
        long intervalNanos = (long) (TimeUnit.SECONDS.toNanos(1) / step.rate);
        long startNanos = System.nanoTime();
        long startMicros = nowMicros();
        long count = Math.max(1, (long) Math.floor(duration.toNanos() / (double) intervalNanos));
        // Workflow ids allow letters, digits, '_', '.', ':' and '-'.
        String tag = step.name.replaceAll("[^A-Za-z0-9_.:-]+", "_");
        step.startMillis = startMicros / 1000;
        for (long i = 0; i < count; i++) {
            long dueNanos = startNanos + i * intervalNanos;
            long wait = dueNanos - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (!inFlight.tryAcquire()) {
                step.delayedByClient.incrementAndGet();
                inFlight.acquire();
            }
            long scheduledMicros = startMicros + (dueNanos - startNanos) / 1_000;
            WorkflowRun run = new WorkflowRun(
                    idPrefix + "-" + tag + "-" + sequence.incrementAndGet(), step, scheduledMicros, workload.size());
            step.runs.add(run);
            step.scheduled.incrementAndGet();
            history.track(run);
            arrivals.incrementAndGet();
            threads.execute(() -> {
                try {
                    submit(run);
                } finally {
                    inFlight.release();
                }
            });
        }
        long endWait = startNanos + duration.toNanos() - System.nanoTime();
        if (endWait > 0) {
            LockSupport.parkNanos(endWait);
        }
        step.endMillis = step.startMillis + duration.toMillis();
    }

    private void submit(WorkflowRun run) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(workload.json(run.workflowId)))
                .build();
        run.sent(nowMicros());
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            run.answered(nowMicros(), response.statusCode());
            if (response.statusCode() == 201) {
                run.step.created.incrementAndGet();
            } else {
                run.step.rejected.incrementAndGet();
                showError(run.workflowId + " answered " + response.statusCode() + ": " + abbreviate(response.body()));
            }
        } catch (IOException e) {
            run.answered(nowMicros(), -1);
            run.step.rejected.incrementAndGet();
            showError(run.workflowId + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            run.step.rejected.incrementAndGet();
        }
    }

    private void showError(String message) {
        if (errorsShown.incrementAndGet() <= ERRORS_SHOWN) {
            System.err.println("submission " + message);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "…";
    }

    @Override
    public void close() {
        http.close();
        threads.shutdownNow();
    }
}
