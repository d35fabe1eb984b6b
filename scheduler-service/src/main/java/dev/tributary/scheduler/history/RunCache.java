package dev.tributary.scheduler.history;

import dev.tributary.events.ids.WorkflowId;
import dev.tributary.scheduler.history.RunRepository.Loaded;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The runs one consumer thread touched recently, exactly as committed (run and version), so that a
 * batch loads from PostgreSQL only the runs it has not seen. A run is written only by the consumer
 * that owns its partition, so the copy stays right as long as this consumer keeps its partitions;
 * the cache is cleared whenever it may not (rebalance, failed batch). Least recently used runs are
 * evicted beyond the capacity. Not thread-safe: one per consumer thread.
 */
final class RunCache {

    private final Map<WorkflowId, Loaded> runs;

    RunCache(int capacity) {
        this.runs = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<WorkflowId, Loaded> eldest) {
                return size() > capacity;
            }
        };
    }

    @Nullable
    Loaded get(WorkflowId id) {
        return runs.get(id);
    }

    void put(Loaded loaded) {
        runs.put(loaded.run().id(), loaded);
    }

    void clear() {
        runs.clear();
    }

    int size() {
        return runs.size();
    }
}
