package dev.tributary.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** A self-contained HTML page (inline SVG, no scripts, no external resources) of one run. */
final class HtmlReport {

    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    private HtmlReport() {}

    static String render(Results.Run run) {
        StringBuilder html = new StringBuilder(64_000);
        html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Tributary benchmark ")
                .append(escape(run.startedAt()))
                .append("</title><style>body{font-family:sans-serif;margin:2em;max-width:1400px}"
                        + "table{border-collapse:collapse;font-size:12px;margin:1em 0}"
                        + "td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
                        + "th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}"
                        + ".bad{background:#fde0dc}.good{background:#e0f5e0}svg{margin:0.5em 1em 0.5em 0}"
                        + "</style></head><body>");
        html.append("<h1>Tributary benchmark</h1><p>")
                .append(escape(run.startedAt()))
                .append(" → ")
                .append(escape(run.finishedAt()))
                .append("<br>Machine: ")
                .append(run.machine().cores())
                .append(" cores, ")
                .append(run.machine().memoryMb())
                .append(" MB, ")
                .append(escape(run.machine().jdk()))
                .append(", ")
                .append(escape(run.machine().os()))
                .append("; load average ")
                .append(run.machine().loadAverageStart())
                .append(" at start, ")
                .append(run.machine().loadAverageEnd())
                .append(" at end.<br>Workload: ")
                .append(escape(run.workload()))
                .append("; open loop, ")
                .append(run.options().stepDuration().toSeconds())
                .append(" s per step, latencies from each workflow's scheduled arrival.</p>");

        html.append("<h2>Headline</h2><table><tr><th>relay</th><th>highest flat rate (workflows/s)</th>"
                + "<th>tasks/s there</th><th>step nearest 200 tasks/s</th><th>release p50 / p99 there (ms)</th>"
                + "<th>outbox→Kafka p50 / p90 / p99 there (ms)</th></tr>");
        for (Results.SystemRun system : run.systems()) {
            Results.StepResult near = nearest(system, 200, run.tasksPerWorkflow());
            html.append("<tr><td>")
                    .append(system.mode())
                    .append("</td><td>")
                    .append(format(system.maxFlatWorkflowsPerSecond()))
                    .append("</td><td>")
                    .append(format(system.maxFlatTasksPerSecond()))
                    .append("</td>");
            if (near == null) {
                html.append("<td colspan=3>n/a</td>");
            } else {
                html.append("<td>")
                        .append(escape(near.name()))
                        .append(" (")
                        .append(format(near.tasksPerSecond()))
                        .append(" tasks/s)</td><td>")
                        .append(format(near.release().p50()))
                        .append(" / ")
                        .append(format(near.release().p99()))
                        .append("</td><td>")
                        .append(format(near.outboxToKafka().p50()))
                        .append(" / ")
                        .append(format(near.outboxToKafka().p90()))
                        .append(" / ")
                        .append(format(near.outboxToKafka().p99()))
                        .append("</td>");
            }
            html.append("</tr>");
        }
        html.append("</table>");

        if (run.baselines() != null) {
            html.append("<h2>Baselines (same machine, same run)</h2><table><tr><th>what</th><th>result</th></tr>");
            Results.PgBench pg = run.baselines().pgbench();
            if (pg != null) {
                html.append("<tr><td>PostgreSQL: pgbench, ")
                        .append(escape(pg.script()))
                        .append(", ")
                        .append(pg.clients())
                        .append(" clients, ")
                        .append(pg.seconds())
                        .append(" s</td><td>")
                        .append(format(pg.tps()))
                        .append(" tps, latency average ")
                        .append(format(pg.latencyAverageMs()))
                        .append(" ms</td></tr>");
            }
            Results.KafkaRoundTrip kafka = run.baselines().kafka();
            if (kafka != null) {
                html.append("<tr><td>Kafka produce→consume round trip, one ")
                        .append(kafka.bytes())
                        .append("-byte message at a time, acks=all (")
                        .append(kafka.messages())
                        .append(" messages)</td><td>p50 ")
                        .append(format(kafka.roundTrip().p50()))
                        .append(" ms, p99 ")
                        .append(format(kafka.roundTrip().p99()))
                        .append(" ms, max ")
                        .append(format(kafka.roundTrip().max()))
                        .append(" ms</td></tr>");
            }
            html.append("</table>");
        }

        html.append("<h2>Throughput per step</h2>");
        html.append(throughputChart(run));
        html.append("<h2>Latency over time</h2><p>Per second, of what finished in that second; log scale."
                + " The shaded bands are the load steps.</p>");
        html.append(timeChart(
                run, "end-to-end p99 (ms, scheduled arrival → WorkflowSucceeded)", Results.Sample::endToEndP99, true));
        html.append(timeChart(
                run, "release p99 (ms, parent TaskSucceeded → child TaskStarted)", Results.Sample::releaseP99, true));
        html.append(timeChart(
                run, "outbox → Kafka p99 (ms, row created_at → record CreateTime)", Results.Sample::outboxP99, true));
        html.append(timeChart(run, "workflows in flight (arrived, not finished)", sample -> sample.inFlight(), false));

        for (Results.SystemRun system : run.systems()) {
            html.append("<h2>Steps: ").append(system.mode()).append(" relay</h2>");
            html.append(stepTable(system));
        }
        html.append("<p>The JSON next to this page has every number, including the per-second timeline.</p>");
        html.append("</body></html>\n");
        return html.toString();
    }

    static Results.@org.jspecify.annotations.Nullable StepResult nearest(
            Results.SystemRun system, double tasksPerSecond, int tasksPerWorkflow) {
        Results.StepResult best = null;
        for (Results.StepResult step : system.steps()) {
            double target = step.targetWorkflowsPerSecond() * tasksPerWorkflow;
            if (best == null
                    || Math.abs(target - tasksPerSecond)
                            < Math.abs(best.targetWorkflowsPerSecond() * tasksPerWorkflow - tasksPerSecond)) {
                best = step;
            }
        }
        return best;
    }

    static String stepTable(Results.SystemRun system) {
        StringBuilder html = new StringBuilder();
        html.append("<table><tr><th>step</th><th>target wf/s</th><th>done wf/s</th><th>tasks/s</th><th>flat</th>"
                + "<th>in flight start/mid/end</th><th>HTTP p50/p99</th><th>client delay p99</th>"
                + "<th>outbox→Kafka p50/p90/p99</th><th>dispatch p50/p99</th><th>release p50/p99</th>"
                + "<th>end-to-end p50/p99/max</th><th>cores</th><th>PG commits/task</th><th>WAL B/task</th>"
                + "<th>max relay backlog</th><th>max lag worker/sched/proj</th><th>load</th></tr>");
        for (Results.StepResult step : system.steps()) {
            html.append("<tr class=\"")
                    .append(step.flat() ? "good" : "bad")
                    .append("\"><td>")
                    .append(escape(step.name()))
                    .append("</td><td>")
                    .append(format(step.targetWorkflowsPerSecond()))
                    .append("</td><td>")
                    .append(format(step.workflowsPerSecond()))
                    .append("</td><td>")
                    .append(format(step.tasksPerSecond()))
                    .append("</td><td>")
                    .append(escape(step.flatReason()))
                    .append("</td><td>")
                    .append(step.inFlightStart())
                    .append('/')
                    .append(step.inFlightMid())
                    .append('/')
                    .append(step.inFlightEnd())
                    .append("</td><td>")
                    .append(pair(step.submissionHttp()))
                    .append("</td><td>")
                    .append(format(step.clientDelay().p99()))
                    .append("</td><td>")
                    .append(format(step.outboxToKafka().p50()))
                    .append('/')
                    .append(format(step.outboxToKafka().p90()))
                    .append('/')
                    .append(format(step.outboxToKafka().p99()))
                    .append("</td><td>")
                    .append(pair(step.dispatch()))
                    .append("</td><td>")
                    .append(pair(step.release()))
                    .append("</td><td>")
                    .append(pair(step.endToEnd()))
                    .append('/')
                    .append(format(step.endToEnd().max()))
                    .append("</td><td>");
            List<String> cores = new ArrayList<>();
            step.cores().forEach((process, value) -> cores.add(shortName(process) + " " + format(value)));
            html.append(escape(String.join(", ", cores)))
                    .append("</td><td>")
                    .append(format(step.postgresCommitsPerTask()))
                    .append("</td><td>")
                    .append(format(step.walBytesPerTask()))
                    .append("</td><td>")
                    .append(step.maxRelayBacklog())
                    .append(system.mode().equals("polling") ? " rows" : " B")
                    .append("</td><td>")
                    .append(step.maxWorkerLag())
                    .append('/')
                    .append(step.maxSchedulerLag())
                    .append('/')
                    .append(step.maxProjectionLag())
                    .append("</td><td>")
                    .append(format(step.loadAverage()))
                    .append("</td></tr>");
        }
        return html.append("</table>").toString();
    }

    private static String shortName(String process) {
        return process.replace("-service", "").replaceFirst("^(debezium|polling)-", "");
    }

    private static String pair(Results.Percentiles percentiles) {
        return format(percentiles.p50()) + "/" + format(percentiles.p99());
    }

    private static String throughputChart(Results.Run run) {
        int width = 900;
        int height = 300;
        int left = 60;
        int bottom = 40;
        List<String> labels = new ArrayList<>();
        double max = 1;
        for (Results.SystemRun system : run.systems()) {
            for (Results.StepResult step : system.steps()) {
                if (!labels.contains(step.name())) {
                    labels.add(step.name());
                }
                max = Math.max(
                        max, Math.max(step.tasksPerSecond(), step.targetWorkflowsPerSecond() * run.tasksPerWorkflow()));
            }
        }
        max = niceCeiling(max);
        StringBuilder svg = svgStart(width, height, "tasks/s completed per step (outline: target)");
        axis(svg, left, bottom, width, height, max, false);
        double slot = (width - left - 20) / (double) Math.max(1, labels.size());
        int systems = run.systems().size();
        for (int s = 0; s < systems; s++) {
            Results.SystemRun system = run.systems().get(s);
            for (Results.StepResult step : system.steps()) {
                int index = labels.indexOf(step.name());
                double barWidth = slot * 0.8 / systems;
                double x = left + index * slot + slot * 0.1 + s * barWidth;
                double h = (height - bottom - 20) * step.tasksPerSecond() / max;
                double target = (height - bottom - 20) * step.targetWorkflowsPerSecond() * run.tasksPerWorkflow() / max;
                svg.append(String.format(
                        Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" opacity=\"0.8\"/>",
                        x,
                        height - bottom - h,
                        barWidth,
                        h,
                        COLORS[s % COLORS.length]));
                svg.append(String.format(
                        Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\" stroke-dasharray=\"3,2\"/>",
                        x,
                        height - bottom - target,
                        barWidth,
                        target));
            }
        }
        for (int i = 0; i < labels.size(); i++) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
                    left + i * slot + slot / 2,
                    height - bottom + 15,
                    escape(labels.get(i))));
        }
        legend(svg, run, width);
        return svg.append("</svg>").toString();
    }

    /** Seconds since the system started at which its first measured step began (aligns the systems). */
    private static double origin(Results.SystemRun system) {
        for (Results.Sample sample : system.timeline()) {
            if (sample.step().startsWith("step")) {
                return sample.t();
            }
        }
        return 0;
    }

    private static String timeChart(
            Results.Run run, String title, ToDoubleFunction<Results.Sample> value, boolean logScale) {
        int width = 900;
        int height = 260;
        int left = 60;
        int bottom = 30;
        double minT = 0;
        double maxT = 1;
        double max = 1;
        for (Results.SystemRun system : run.systems()) {
            double origin = origin(system);
            for (Results.Sample sample : system.timeline()) {
                minT = Math.min(minT, sample.t() - origin);
                maxT = Math.max(maxT, sample.t() - origin);
                double v = value.applyAsDouble(sample);
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        max = logScale ? Math.pow(10, Math.ceil(Math.log10(Math.max(10, max)))) : niceCeiling(max);
        double from0 = minT;
        double span = Math.max(1, maxT - minT);
        StringBuilder svg = svgStart(width, height, title);
        double plotWidth = width - left - 20;
        double plotHeight = height - bottom - 20;
        // Step bands of the first system (every system runs the same steps, aligned at the first one).
        if (!run.systems().isEmpty()) {
            Results.SystemRun firstSystem = run.systems().getFirst();
            double origin = origin(firstSystem);
            List<Results.Sample> first = firstSystem.timeline();
            String current = "";
            double from = 0;
            for (int i = 0; i <= first.size(); i++) {
                String step = i < first.size() ? first.get(i).step() : "";
                if (!step.equals(current)) {
                    if (!current.isEmpty() && i > 0) {
                        double to = first.get(i - 1).t() - origin;
                        boolean shade = current.startsWith("step");
                        svg.append(String.format(
                                Locale.ROOT,
                                "<rect x=\"%.1f\" y=\"20\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>"
                                        + "<text x=\"%.1f\" y=\"32\" font-size=\"9\" fill=\"#666\">%s</text>",
                                left + plotWidth * (from - from0) / span,
                                Math.max(0, plotWidth * (to - from) / span),
                                plotHeight,
                                shade ? "#f3f3f3" : "#ffffff",
                                left + plotWidth * (from - from0) / span + 2,
                                escape(current.replace("step ", ""))));
                    }
                    current = step;
                    from = i < first.size() ? first.get(i).t() - origin : 0;
                }
            }
        }
        axis(svg, left, bottom, width, height, max, logScale);
        for (int s = 0; s < run.systems().size(); s++) {
            Results.SystemRun system = run.systems().get(s);
            double origin = origin(system);
            StringBuilder path = new StringBuilder();
            for (Results.Sample sample : system.timeline()) {
                double v = value.applyAsDouble(sample);
                if (Double.isNaN(v)) {
                    continue;
                }
                double y = logScale ? plotHeight * Math.log10(Math.max(1, v)) / Math.log10(max) : plotHeight * v / max;
                path.append(path.isEmpty() ? "M" : "L")
                        .append(String.format(
                                Locale.ROOT,
                                "%.1f,%.1f",
                                left + plotWidth * (sample.t() - origin - from0) / span,
                                height - bottom - y));
            }
            svg.append("<path d=\"")
                    .append(path)
                    .append("\" fill=\"none\" stroke-width=\"1.3\" stroke=\"")
                    .append(COLORS[s % COLORS.length])
                    .append("\"/>");
        }
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">seconds since the first step"
                        + " (%.0f … %.0f)</text>",
                width - 20,
                height - 5,
                minT,
                maxT));
        legend(svg, run, width);
        return svg.append("</svg>").toString();
    }

    private static StringBuilder svgStart(int width, int height, String title) {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">"
                        + "<text x=\"60\" y=\"13\" font-size=\"13\" font-weight=\"bold\">%s</text>",
                width,
                height,
                width,
                height,
                escape(title)));
        return svg;
    }

    private static void axis(StringBuilder svg, int left, int bottom, int width, int height, double max, boolean log) {
        double plotHeight = height - bottom - 20;
        svg.append(String.format(
                Locale.ROOT,
                "<line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
                left,
                left,
                height - bottom,
                left,
                height - bottom,
                width - 20,
                height - bottom));
        List<Double> ticks = new ArrayList<>();
        if (log) {
            for (double v = 1; v <= max; v *= 10) {
                ticks.add(v);
            }
        } else {
            for (int i = 0; i <= 4; i++) {
                ticks.add(max * i / 4);
            }
        }
        for (double tick : ticks) {
            double y = log ? plotHeight * Math.log10(tick) / Math.log10(max) : plotHeight * tick / max;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>",
                    left,
                    height - bottom - y,
                    width - 20,
                    height - bottom - y,
                    left - 4,
                    height - bottom - y + 3,
                    format(tick)));
        }
    }

    private static void legend(StringBuilder svg, Results.Run run, int width) {
        for (int s = 0; s < run.systems().size(); s++) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"%d\" y=\"4\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"13\" font-size=\"11\">%s</text>",
                    width - 200 + s * 100,
                    COLORS[s % COLORS.length],
                    width - 186 + s * 100,
                    escape(run.systems().get(s).mode())));
        }
    }

    private static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double factor : new double[] {1, 2, 2.5, 5, 10}) {
            if (factor * magnitude >= value) {
                return factor * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String format(@org.jspecify.annotations.Nullable Double value) {
        if (value == null || value.isNaN()) {
            return "–";
        }
        if (Math.abs(value) >= 100 || value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, "%.1f", value);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
