package dev.tributary.crash;

import static org.awaitility.Awaitility.await;

import dev.tributary.launcher.TributaryLauncher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One service in its own JVM: {@link TributaryLauncher} in one-service mode ({@code
 * TRIBUTARY_SERVICES}) on the test classpath, against the test's Kafka and PostgreSQL, with a small
 * heap. It can be killed with SIGKILL and started again with the same settings. Every process
 * still running when the test JVM ends is killed by a shutdown hook.
 */
final class ServiceProcess implements AutoCloseable {

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "crash-children-kill"));
    }

    private static final List<String> JVM_OPTIONS =
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");

    final String name;
    final String service;
    final int port;
    private final Map<String, String> environment;
    private final List<String> systemProperties;
    private final Path log;
    private @Nullable Process process;

    /**
     * @param name the instance name (log file, worker id), e.g. {@code worker-1}
     * @param service {@code submission-service}, {@code scheduler-service} or {@code worker-service}
     * @param environment the launcher settings ({@code TRIBUTARY_*}) shared by every instance
     * @param properties Spring properties for this instance, passed as system properties
     */
    ServiceProcess(
            String name,
            String service,
            int port,
            Map<String, String> environment,
            Map<String, String> properties,
            Path logDirectory) {
        this.name = name;
        this.service = service;
        this.port = port;
        Map<String, String> env = new LinkedHashMap<>(environment);
        env.put("TRIBUTARY_SERVICES", service);
        String portVariable = switch (service) {
            case "submission-service" -> "TRIBUTARY_SUBMISSION_PORT";
            case "scheduler-service" -> "TRIBUTARY_SCHEDULER_PORT";
            default -> "TRIBUTARY_WORKER_PORT";
        };
        env.put(portVariable, Integer.toString(port));
        this.environment = Map.copyOf(env);
        this.systemProperties = properties.entrySet().stream()
                .map(entry -> "-D" + entry.getKey() + "=" + entry.getValue())
                .toList();
        this.log = logDirectory.resolve(name + ".log");
    }

    /** Starts the JVM (output appended to {@code <name>.log}); does not wait for it. */
    synchronized ServiceProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(JVM_OPTIONS);
        command.addAll(systemProperties);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(TributaryLauncher.class.getName());
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            Process started = builder.start();
            RUNNING.add(started);
            process = started;
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** Waits until {@code /actuator/health} answers 200; fails at once if the JVM exits. */
    void awaitHealthy(Duration timeout) {
        URI health = URI.create("http://localhost:" + port + "/actuator/health");
        try (HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            await(name + " healthy (log " + log + ")")
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(500))
                    .failFast(name + " exited (log " + log + ")", () -> !isAlive())
                    .until(() -> {
                        try {
                            return client.send(
                                                    HttpRequest.newBuilder(health)
                                                            .timeout(Duration.ofSeconds(5))
                                                            .build(),
                                                    HttpResponse.BodyHandlers.discarding())
                                            .statusCode()
                                    == 200;
                        } catch (IOException e) {
                            return false;
                        }
                    });
        }
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** {@code kill -9}: no shutdown hook, no graceful close; waits until the process is gone. */
    synchronized void kill() {
        Process running = process;
        if (running == null) {
            return;
        }
        running.destroyForcibly();
        try {
            if (!running.waitFor(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " did not die within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        RUNNING.remove(running);
        process = null;
    }

    Path log() {
        return log;
    }

    @Override
    public void close() {
        kill();
    }
}
