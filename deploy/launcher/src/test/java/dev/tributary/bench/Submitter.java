package dev.tributary.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Posts benchmark workflows to submission-service, each from a virtual thread, either closed-loop
 * (a fixed number of clients, each sending its next request when the last was answered) or
 * open-loop at a fixed rate (request {@code i} is due at {@code start + i / rate} whether or not
 * earlier ones were answered, so a slow server cannot slow the clock down).
 */
final class Submitter implements AutoCloseable {

    private static final int ERRORS_SHOWN = 5;

    private final HttpClient http;
    private final URI uri;
    private final HistoryReader history;
    private final WorkflowShape shape;
    private final String idPrefix;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger errorsShown = new AtomicInteger();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    Submitter(int port, HistoryReader history, WorkflowShape shape, String idPrefix) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .executor(threads)
                .build();
        this.uri = URI.create("http://localhost:" + port + "/api/v1/workflows");
        this.history = history;
        this.shape = shape;
        this.idPrefix = idPrefix;
    }

    /**
     * Closed loop: {@code clients} virtual threads submit back to back until {@code count}
     * submissions were sent or the time is up, whichever comes first.
     */
    void closedLoop(Phase phase, int clients, long count, Duration maxTime) throws InterruptedException {
        AtomicLong remaining = new AtomicLong(count);
        long end = System.nanoTime() + maxTime.toNanos();
        CountDownLatch done = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            threads.execute(() -> {
                try {
                    while (remaining.getAndDecrement() > 0 && System.nanoTime() < end) {
                        submitOne(phase);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
    }

    /**
     * Open loop at {@code rate} submissions per second until {@code count} were sent, or until the
     * time they should have taken is up. At most {@code maxInFlight} requests are outstanding;
     * beyond that the pacer waits, so an overloaded server shows as an achieved rate below the
     * target (and fewer submissions).
     */
    void paced(Phase phase, double rate, long count, int maxInFlight) throws InterruptedException {
        Semaphore inFlight = new Semaphore(maxInFlight);
        long interval = (long) (TimeUnit.SECONDS.toNanos(1) / rate);
        long start = System.nanoTime();
        long end = start + count * interval;
        for (long i = 0; i < count; i++) {
            long wait = start + i * interval - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (!inFlight.tryAcquire(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                break;
            }
            threads.execute(() -> {
                try {
                    submitOne(phase);
                } finally {
                    inFlight.release();
                }
            });
        }
        inFlight.acquire(maxInFlight);
        inFlight.release(maxInFlight);
    }

    private void submitOne(Phase phase) {
        String id = idPrefix + "-" + phase.name + "-" + sequence.incrementAndGet();
        Submission submission = new Submission(id, phase, shape.size());
        phase.submissions.add(submission);
        history.track(submission);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(shape.json(id)))
                .build();
        submission.posted(Submission.nowMicros());
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            long micros = (System.nanoTime() - start) / 1_000;
            submission.answered(Submission.nowMicros(), response.statusCode());
            phase.httpMicros.recordValue(micros);
            if (response.statusCode() == 201) {
                phase.created.incrementAndGet();
            } else {
                phase.rejected.incrementAndGet();
                showError(id + " answered " + response.statusCode() + ": " + abbreviate(response.body()));
            }
        } catch (IOException e) {
            submission.answered(Submission.nowMicros(), -1);
            phase.rejected.incrementAndGet();
            showError(id + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            phase.rejected.incrementAndGet();
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
