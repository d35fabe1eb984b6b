package dev.tributary.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * CPU time used by this JVM and by the embedded PostgreSQL (postmaster and its backends), from
 * {@code /proc}, so that a phase's results can be read against how much of the (shared) machine
 * the system actually got. Backends that exit during a phase are not counted.
 */
final class CpuMeter {

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    /** CPU ticks at one moment. */
    record Sample(long nanos, long jvmTicks, long postgresTicks) {}

    private final long postmasterPid;

    CpuMeter(DataSource postgres) {
        long pid = -1;
        try {
            String dataDirectory = new JdbcTemplate(postgres).queryForObject("show data_directory", String.class);
            if (dataDirectory != null) {
                List<String> lines = Files.readAllLines(Path.of(dataDirectory, "postmaster.pid"));
                pid = Long.parseLong(lines.getFirst().trim());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("PostgreSQL CPU not measured: " + e);
        }
        this.postmasterPid = pid;
    }

    Sample sample() {
        long postgres = 0;
        if (postmasterPid > 0) {
            postgres = ticks(postmasterPid);
            postgres += ProcessHandle.of(postmasterPid)
                    .map(handle -> handle.descendants()
                            .mapToLong(child -> ticks(child.pid()))
                            .sum())
                    .orElse(0L);
        }
        return new Sample(System.nanoTime(), ticks(ProcessHandle.current().pid()), postgres);
    }

    /** Average cores used between the samples: "JVM 1.31, PostgreSQL 0.42". */
    static String between(Sample before, Sample after) {
        double seconds = (after.nanos() - before.nanos()) / 1e9;
        return String.format(
                Locale.ROOT,
                "JVM %.2f, PostgreSQL %.2f",
                (after.jvmTicks() - before.jvmTicks()) / TICKS_PER_SECOND / seconds,
                (after.postgresTicks() - before.postgresTicks()) / TICKS_PER_SECOND / seconds);
    }

    /** utime + stime of a process, in clock ticks; 0 if it is gone. */
    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
