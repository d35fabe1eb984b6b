package dev.tributary.outbox.relay;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.source.SourceRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the Debezium embedded engine, on its own thread, from start until it stops or fails.
 * The relay's supervisor starts a new run whenever the previous one ended while it is leader.
 */
final class EngineRun {

    private static final Logger log = LoggerFactory.getLogger(EngineRun.class);
    private static final long CLOSE_RETRY_MILLIS = 100;

    private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private final Thread thread;
    private final CompletableFuture<@Nullable Throwable> finished = new CompletableFuture<>();
    private volatile boolean streaming;
    private volatile boolean halted;

    /** Builds and starts an engine; {@code onChange} runs when it starts streaming or ends. */
    EngineRun(String threadName, Properties config, RelayHandlerFactory handlers, Runnable onChange) {
        RelayHandler handler = handlers.create(() -> halted);
        this.engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(config)
                .notifying(handler)
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        streaming = true;
                        onChange.run();
                    }

                    @Override
                    public void taskStopped() {
                        streaming = false;
                    }
                })
                .using((success, message, error) -> {
                    streaming = false;
                    finished.complete(success ? null : (error == null ? new IllegalStateException(message) : error));
                    onChange.run();
                })
                .build();
        this.thread = new Thread(engine, threadName);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Creates the batch handler of a run, given the run's "stop now" flag. */
    @FunctionalInterface
    interface RelayHandlerFactory {
        RelayHandler create(java.util.function.BooleanSupplier halted);
    }

    /** True once the connector task started: the slot exists and changes are being streamed. */
    boolean isStreaming() {
        return streaming && !finished.isDone();
    }

    boolean isFinished() {
        return finished.isDone();
    }

    /** Why the run ended, or null if it ended normally or is still running. */
    @Nullable
    Throwable failure() {
        return finished.getNow(null);
    }

    /**
     * Stops the engine: in-flight sends are abandoned (their records stay unprocessed), processed
     * offsets are flushed, the replication connection is closed. Waits at most {@code timeout}.
     */
    void stop(Duration timeout) {
        halted = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!finished.isDone()) {
            try {
                engine.close();
                break;
            } catch (IllegalStateException e) {
                // "tasks are starting" (retry) or "already shutting down/shut down" (wait below)
                if (!String.valueOf(e.getMessage()).contains("starting") || System.nanoTime() > deadline) {
                    break;
                }
                if (awaitFinished(Duration.ofMillis(CLOSE_RETRY_MILLIS))) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                log.warn("Closing the Debezium engine failed: {}", e.toString());
                break;
            }
        }
        long remaining = deadline - System.nanoTime();
        if (!awaitFinished(Duration.ofNanos(Math.max(remaining, 0)))) {
            log.warn("Debezium engine did not stop within {}; abandoning its thread", timeout);
            thread.interrupt();
        }
    }

    private boolean awaitFinished(Duration timeout) {
        try {
            finished.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return finished.isDone();
        } catch (ExecutionException e) {
            return true;
        }
    }
}
