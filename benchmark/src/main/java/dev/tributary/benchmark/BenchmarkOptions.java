package dev.tributary.benchmark;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run's options, from {@code key=value} words (see docs/performance.md for the table). A key
 * with a dot is a Spring property for every service; {@code service-name/key=value} one for a
 * single service.
 */
record BenchmarkOptions(
        List<Double> rates,
        Duration stepDuration,
        double warmupRate,
        Duration warmupDuration,
        String workload,
        int tasks,
        String type,
        long sleepMillis,
        long seed,
        List<String> modes,
        boolean baselines,
        double flatTolerance,
        int stopAfterUnflat,
        Duration drain,
        int partitions,
        int concurrency,
        String pollingInterval,
        int pollingBatch,
        boolean jfr,
        List<String> serviceJvm,
        int pgbenchSeconds,
        int pgbenchClients,
        int kafkaRoundTrips,
        int maxInFlight,
        String out,
        Map<String, String> springProperties,
        Map<String, Map<String, String>> serviceProperties) {

    static final List<String> SERVICES = List.of("submission-service", "scheduler-service", "worker-service");

    static BenchmarkOptions parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> spring = new LinkedHashMap<>();
        Map<String, Map<String, String>> perService = new LinkedHashMap<>();
        for (String arg : args) {
            for (String word : arg.trim().split("\\s+")) {
                if (word.isEmpty() || word.equals("run")) {
                    continue;
                }
                int equals = word.indexOf('=');
                if (equals < 1) {
                    throw new IllegalArgumentException("expected key=value, got " + word);
                }
                String key = word.substring(0, equals);
                String value = word.substring(equals + 1);
                int slash = key.indexOf('/');
                if (slash > 0) {
                    String service = key.substring(0, slash);
                    if (!SERVICES.contains(service)) {
                        throw new IllegalArgumentException("no service named " + service);
                    }
                    perService
                            .computeIfAbsent(service, s -> new LinkedHashMap<>())
                            .put(key.substring(slash + 1), value);
                } else if (key.contains(".")) {
                    spring.put(key, value);
                } else {
                    values.put(key, value);
                }
            }
        }
        Reader r = new Reader(values);
        BenchmarkOptions options = new BenchmarkOptions(
                r.doubles("rates", "2,5,10,20,30,40,60,80"),
                Duration.ofSeconds(r.integer("step-seconds", 30)),
                r.decimal("warmup-rate", 5),
                Duration.ofSeconds(r.integer("warmup-seconds", 15)),
                r.text("workload", "fan"),
                r.integer("tasks", 10),
                r.text("type", "noop"),
                r.integer("sleep-ms", 10),
                r.integer("seed", 42),
                r.texts("modes", "debezium,polling"),
                Boolean.parseBoolean(r.text("baselines", "true")),
                r.decimal("flat-tolerance", 0.10),
                r.integer("stop-after-unflat", 2),
                Duration.ofSeconds(r.integer("drain-seconds", 60)),
                r.integer("partitions", 6),
                r.integer("concurrency", 64),
                r.text("polling-interval", "10ms"),
                r.integer("polling-batch", 500),
                Boolean.parseBoolean(r.text("jfr", "false")),
                r.texts("service-jvm", "-Xmx768m"),
                r.integer("pgbench-seconds", 15),
                r.integer("pgbench-clients", 8),
                r.integer("kafka-round-trips", 2000),
                r.integer("max-in-flight", 2000),
                r.text("out", "results"),
                spring,
                perService);
        if (!values.isEmpty()) {
            throw new IllegalArgumentException("unknown options: " + values.keySet());
        }
        return options;
    }

    /** Reads and removes options, so that unknown ones can be reported. */
    private record Reader(Map<String, String> values) {
        String text(String key, String fallback) {
            String value = values.remove(key);
            return value == null ? fallback : value;
        }

        int integer(String key, int fallback) {
            return Integer.parseInt(text(key, Integer.toString(fallback)));
        }

        double decimal(String key, double fallback) {
            return Double.parseDouble(text(key, Double.toString(fallback)));
        }

        List<String> texts(String key, String fallback) {
            List<String> list = new ArrayList<>();
            for (String part : text(key, fallback).split(",")) {
                if (!part.isBlank()) {
                    list.add(part.trim());
                }
            }
            return List.copyOf(list);
        }

        List<Double> doubles(String key, String fallback) {
            return texts(key, fallback).stream().map(Double::parseDouble).toList();
        }
    }
}
