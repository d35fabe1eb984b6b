package dev.tributary.benchmark;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A JVM started by the harness with its own classpath (one service, or the Kafka broker), so that
 * its CPU time can be read from {@code /proc} and profiled on its own. Output goes to a log file.
 */
final class ChildProcess implements AutoCloseable {

    /** Every child still running, so that a shutdown of the harness (Ctrl-C) stops them too. */
    private static final java.util.Set<ChildProcess> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            List<ChildProcess> all = new ArrayList<>(RUNNING);
                            java.util.Collections.reverse(all);
                            all.forEach(ChildProcess::close);
                        },
                        "bench-children-stop"));
    }

    final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code java <jvmOptions> -cp <this classpath> <mainClass> <arguments>}.
     *
     * @param jfr where to write a Flight Recording of the whole life of the process, or null
     */
    static ChildProcess start(
            String name,
            List<String> jvmOptions,
            String mainClass,
            List<String> arguments,
            Path logDirectory,
            @Nullable Path jfr) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        if (jfr != null) {
            command.add("-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true");
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(arguments);
        Path log = logDirectory.resolve(name + ".log");
        try {
            Files.createDirectories(logDirectory);
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            ChildProcess child = new ChildProcess(name, process, log);
            RUNNING.add(child);
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /**
     * Starts a Flight Recording ({@code settings=profile}) in the running process with {@code
     * jcmd}, so that the recording covers the measured steps only, not the startup.
     */
    void startRecording(Path file) {
        jcmd("JFR.start", "name=bench", "settings=profile", "filename=" + file);
    }

    /** Stops the recording started by {@link #startRecording(Path)}, which writes its file. */
    void stopRecording() {
        jcmd("JFR.stop", "name=bench");
    }

    private void jcmd(String... command) {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path jcmd = Path.of(java).resolveSibling("jcmd");
        List<String> arguments = new ArrayList<>();
        arguments.add(jcmd.toString());
        arguments.add(Long.toString(process.pid()));
        arguments.addAll(List.of(command));
        try {
            Process run = new ProcessBuilder(arguments)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            if (!run.waitFor(60, TimeUnit.SECONDS)) {
                run.destroyForcibly();
                System.err.println("jcmd " + String.join(" ", command) + " on " + name + " timed out");
            }
        } catch (IOException e) {
            System.err.println("jcmd " + String.join(" ", command) + " on " + name + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until the log has a line starting with the prefix; returns the rest of that line. */
    String awaitLogLine(String prefix, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(Files.newInputStream(log), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith(prefix)) {
                        return line.substring(prefix.length()).trim();
                    }
                }
            } catch (IOException e) {
                // not written yet
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            pause(200);
        }
        throw new IllegalStateException(
                name + " did not log '" + prefix + "' within " + timeoutSeconds + " s; see " + log);
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** utime + stime of a process in clock ticks (USER_HZ = 100), 0 if it is gone. */
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Stops the process gracefully (SIGTERM, so JFR and Spring shut down cleanly), then forcibly. */
    @Override
    public void close() {
        RUNNING.remove(this);
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
