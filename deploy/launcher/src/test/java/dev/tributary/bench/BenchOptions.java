package dev.tributary.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The benchmark's arguments: {@code key=value} words (several may share one argument, separated by
 * spaces). A key with a dot is a Spring property for every service ({@code
 * tributary.scheduler.max-poll-records=1000}); {@code <service>/<property>=value} sets it for one
 * service ({@code scheduler-service/tributary.outbox.max-batch-size=4096}).
 */
final class BenchOptions {

    /** Known options and their defaults, in the order they are printed. */
    static final Map<String, String> DEFAULTS = defaults();

    private final Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
    final Map<String, String> properties = new LinkedHashMap<>();
    final Map<String, Map<String, String>> serviceProperties = new LinkedHashMap<>();

    private static Map<String, String> defaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("workflows", "2000"); // per measured DAG phase
        defaults.put("warmup", "200"); // workflows run before the first measured phase
        defaults.put("tasks", "10");
        defaults.put("shape", "fan"); // fan (root, tasks-2 parallel, join) or chain
        defaults.put("type", "noop");
        defaults.put("rates", "max,10"); // DAG phases: submissions/s each, "max" = closed loop, as fast as accepted
        defaults.put("paced-workflows", "600"); // per DAG phase at a fixed rate
        defaults.put("clients", "16"); // closed-loop client threads (virtual)
        defaults.put("max-in-flight", "256"); // open-loop bound on outstanding requests
        defaults.put("partitions", "6");
        defaults.put("concurrency", "64"); // tributary.worker.concurrency
        defaults.put("timeout", "600"); // seconds a phase may take to drain
        defaults.put("outbox", "true"); // run the outbox (issue 2) phases
        defaults.put("outbox-only-submission", "true"); // stop scheduler and worker for them
        defaults.put("outbox-rates", "200,1000");
        defaults.put("outbox-seconds", "20");
        defaults.put("ramp", "100,200,300,400,600,800,1000,1500,max"); // steps for the highest sustained rate
        defaults.put("ramp-seconds", "10");
        defaults.put("keep-up-ms", "1000"); // relay keeps up: p99 of 201 → WorkflowAccepted at most this
        return defaults;
    }

    BenchOptions(String[] args) {
        Set<String> services = Set.of("submission-service", "scheduler-service", "worker-service");
        for (String arg : args) {
            for (String word : arg.trim().split("\\s+")) {
                if (word.isEmpty()) {
                    continue;
                }
                int eq = word.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("expected key=value, got " + word);
                }
                String key = word.substring(0, eq);
                String value = word.substring(eq + 1);
                int slash = key.indexOf('/');
                if (slash > 0 && services.contains(key.substring(0, slash))) {
                    serviceProperties
                            .computeIfAbsent(key.substring(0, slash), s -> new LinkedHashMap<>())
                            .put(key.substring(slash + 1), value);
                } else if (key.contains(".")) {
                    properties.put(key, value);
                } else if (DEFAULTS.containsKey(key)) {
                    values.put(key, value);
                } else {
                    throw new IllegalArgumentException("unknown option " + key + "; known: " + DEFAULTS.keySet());
                }
            }
        }
    }

    String text(String key) {
        return values.get(key);
    }

    int number(String key) {
        return Integer.parseInt(values.get(key));
    }

    boolean flag(String key) {
        return Boolean.parseBoolean(values.get(key));
    }

    /** A comma-separated list of rates; "max" (closed loop) is 0. */
    List<Double> rates(String key) {
        List<Double> rates = new ArrayList<>();
        for (String part : values.get(key).split(",")) {
            String rate = part.trim();
            if (!rate.isEmpty()) {
                rates.add(rate.equalsIgnoreCase("max") ? 0.0 : Double.parseDouble(rate));
            }
        }
        return rates;
    }

    /** Every option with its value, for the report. */
    String describe() {
        StringBuilder text = new StringBuilder();
        values.forEach(
                (key, value) -> text.append(key).append('=').append(value).append(' '));
        properties.forEach(
                (key, value) -> text.append(key).append('=').append(value).append(' '));
        serviceProperties.forEach((service, map) -> map.forEach((key, value) -> text.append(service)
                .append('/')
                .append(key)
                .append('=')
                .append(value)
                .append(' ')));
        return text.toString().trim();
    }
}
