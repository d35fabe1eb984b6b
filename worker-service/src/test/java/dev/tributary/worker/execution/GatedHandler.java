package dev.tributary.worker.execution;

import dev.tributary.worker.handler.TaskContext;
import dev.tributary.worker.handler.TaskHandler;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A handler that blocks every task until the test releases a permit, and records how many ran at
 * once and which were interrupted. Without permits it blocks until interrupted.
 */
final class GatedHandler implements TaskHandler {

    final Semaphore gate = new Semaphore(0);
    final AtomicInteger entered = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final Set<String> interrupted = ConcurrentHashMap.newKeySet();

    private final String type;

    GatedHandler(String type) {
        this.type = type;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public JsonNode handle(TaskContext context) throws InterruptedException {
        entered.incrementAndGet();
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            gate.acquire();
            return JsonNodeFactory.instance
                    .objectNode()
                    .put("task", context.taskId().value());
        } catch (InterruptedException e) {
            interrupted.add(context.taskId().value());
            throw e;
        } finally {
            running.decrementAndGet();
        }
    }
}
