package dev.tributary.launcher.admin;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code tributary admin <command>}: a small client of the services' HTTP admin API.
 *
 * <ul>
 *   <li>{@code rebuild scheduler [--no-wait]}: {@code POST <scheduler>/admin/rebuild/scheduler},
 *       then polls {@code GET} on the same URL, printing progress per partition, until the state is
 *       {@code FINISHED}.
 *   <li>{@code rebuild projection [--from=<instant>] [--no-wait]}: the same against {@code
 *       <submission>/admin/rebuild/projection}.
 *   <li>{@code replay kafka-intake --from=<instant> [--no-wait]}: {@code POST
 *       <submission>/admin/replay/kafka-intake}, then polls it likewise.
 *   <li>{@code republish --from=<instant> --to=<instant> [--service=submission|scheduler|all]
 *       [--topic=<name>]}: {@code POST <service>/admin/outbox/republish} on each service.
 * </ul>
 *
 * Base URLs: {@code --submission-url}, {@code --scheduler-url}, else the environment variables
 * {@code TRIBUTARY_SUBMISSION_URL}, {@code TRIBUTARY_SCHEDULER_URL}, else {@code
 * http://localhost:<TRIBUTARY_SUBMISSION_PORT or 8081>} and {@code <TRIBUTARY_SCHEDULER_PORT or
 * 8082>} (the launcher's ports). Exit codes: {@link #DONE} 0, {@link #REFUSED} 1 (the server said
 * no, or could not be reached: the problem detail is printed), {@link #USAGE} 2.
 */
public final class AdminCli {

    /** The command did what it was asked. */
    public static final int DONE = 0;
    /** A service refused (problem detail printed) or could not be reached. */
    public static final int REFUSED = 1;
    /** Bad command line. */
    public static final int USAGE = 2;

    static final String USAGE_TEXT = """
            Usage: tributary admin <command> [options]

            Commands:
              rebuild scheduler [--no-wait]
                  Wipe the scheduler state and rebuild it from tributary.workflow-events; waits
                  until FINISHED, printing progress per partition.
              rebuild projection [--from=<instant>] [--no-wait]
                  Rebuild the submission projection (the read API), from the beginning or <instant>.
              replay kafka-intake --from=<instant> [--no-wait]
                  Replay tributary.workflow-submissions to the Kafka intake from <instant>.
              republish --from=<instant> --to=<instant> [--service=submission|scheduler|all] [--topic=<name>]
                  Re-publish the retained outbox rows created in [from, to) with their original ce_id.

            Options:
              --submission-url=<url>   submission-service (env TRIBUTARY_SUBMISSION_URL, http://localhost:8081)
              --scheduler-url=<url>    scheduler-service (env TRIBUTARY_SCHEDULER_URL, http://localhost:8082)
              --poll-interval=<d>      progress polling interval, e.g. 500ms or 2s (default 1s)

            Instants are ISO-8601, e.g. 2026-11-28T02:00:00Z. Exit codes: 0 done, 1 the server said no
            (or could not be reached), 2 usage.
            """;

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** Re-publishing a large range waits for every acknowledgement. */
    private static final Duration REPUBLISH_TIMEOUT = Duration.ofMinutes(30);

    private final PrintStream out;
    private final PrintStream err;
    private final HttpClient http;

    private AdminCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    }

    /** Runs one command; returns the exit code. */
    public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        AdminCli cli = new AdminCli(out, err);
        try {
            return cli.dispatch(CommandLine.parse(args), env);
        } catch (UsageException e) {
            err.println("tributary admin: " + e.getMessage());
            err.println();
            err.print(USAGE_TEXT);
            return USAGE;
        } catch (RefusedException e) {
            err.println(e.getMessage());
            return REFUSED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("interrupted");
            return REFUSED;
        } finally {
            cli.http.close();
        }
    }

    private int dispatch(CommandLine line, Map<String, String> env) throws InterruptedException {
        if (line.flag("help") || line.words().isEmpty()) {
            if (line.words().isEmpty() && !line.flag("help")) {
                throw new UsageException("missing command");
            }
            out.print(USAGE_TEXT);
            return DONE;
        }
        String submission = baseUrl(line, env, "submission", 8081);
        String scheduler = baseUrl(line, env, "scheduler", 8082);
        Duration interval = line.duration("poll-interval", Duration.ofSeconds(1));
        List<String> words = line.words();
        String command = String.join(" ", words);
        return switch (command) {
            case "rebuild scheduler" -> {
                line.allow("no-wait");
                yield runJob(
                        "scheduler rebuild",
                        scheduler + "/admin/rebuild/scheduler",
                        JSON.createObjectNode(),
                        line.flag("no-wait"),
                        interval);
            }
            case "rebuild projection" -> {
                line.allow("no-wait", "from");
                ObjectNode body = JSON.createObjectNode();
                Instant from = line.instant("from", false);
                if (from != null) {
                    body.put("from", from.toString());
                }
                yield runJob(
                        "projection rebuild",
                        submission + "/admin/rebuild/projection",
                        body,
                        line.flag("no-wait"),
                        interval);
            }
            case "replay kafka-intake" -> {
                line.allow("no-wait", "from");
                ObjectNode body = JSON.createObjectNode();
                body.put(
                        "from",
                        Objects.requireNonNull(line.instant("from", true)).toString());
                yield runJob(
                        "kafka-intake replay",
                        submission + "/admin/replay/kafka-intake",
                        body,
                        line.flag("no-wait"),
                        interval);
            }
            case "republish" -> {
                line.allow("from", "to", "service", "topic");
                yield republish(line, submission, scheduler);
            }
            default -> throw new UsageException("unknown command '" + command + "'");
        };
    }

    // ---- rebuild / replay ------------------------------------------------------------------

    private int runJob(String what, String url, ObjectNode body, boolean noWait, Duration interval)
            throws InterruptedException {
        Response started = send("POST", url, body.toString(), REQUEST_TIMEOUT);
        if (!started.ok()) {
            throw refused(what, url, started);
        }
        JsonNode status = started.json();
        out.println("Started " + what + " (" + url + ")");
        Progress progress = new Progress(what);
        if (status != null && status.has("state")) {
            progress.print(status);
        }
        if (noWait) {
            return DONE;
        }
        while (status == null || !"FINISHED".equals(text(status, "state"))) {
            TimeUnit.NANOSECONDS.sleep(interval.toNanos());
            Response polled = send("GET", url, null, REQUEST_TIMEOUT);
            if (!polled.ok()) {
                throw refused(what, url, polled);
            }
            status = polled.json();
            if (status == null || !status.has("state")) {
                throw new RefusedException(what + ": unexpected status from " + url + ": " + polled.clippedBody());
            }
            progress.print(status);
            if ("IDLE".equals(text(status, "state"))) {
                throw new RefusedException(what + " is no longer running and did not report FINISHED"
                        + " (was the service restarted?); start it again");
            }
        }
        return DONE;
    }

    /** Prints a status when it changed: a summary line and the partitions that moved. */
    private final class Progress {

        private final String what;
        private final Map<Integer, String> partitions = new LinkedHashMap<>();
        private @Nullable String last;

        Progress(String what) {
            this.what = what;
        }

        void print(JsonNode status) {
            String state = text(status, "state");
            long replayed = status.path("replayed").asLong(0);
            long total = status.path("total").asLong(0);
            StringBuilder line = new StringBuilder()
                    .append(what)
                    .append(' ')
                    .append(state)
                    .append(": ")
                    .append(replayed)
                    .append('/')
                    .append(total)
                    .append(" records replayed");
            if (total > 0) {
                line.append(String.format(Locale.ROOT, " (%.0f%%)", 100.0 * replayed / total));
            }
            appendIfPresent(line, status, "topic", ", topic ");
            appendIfPresent(line, status, "consumerGroup", ", group ");
            appendIfPresent(line, status, "requestedFrom", ", from ");
            appendIfPresent(line, status, "startedAt", ", started ");
            appendIfPresent(line, status, "finishedAt", ", finished ");
            String summary = line.toString();
            if (!summary.equals(last)) {
                out.println(summary);
                last = summary;
            }
            for (JsonNode partition : status.path("partitions")) {
                int number = partition.path("partition").asInt();
                String detail = String.format(
                        Locale.ROOT,
                        "  partition %d: %d/%d replayed (offsets %s..%s, at %s)",
                        number,
                        partition.path("replayed").asLong(0),
                        partition.path("total").asLong(0),
                        partition.path("from").asString("?"),
                        partition.path("until").asString("?"),
                        partition.path("position").asString("?"));
                if (!detail.equals(partitions.put(number, detail))) {
                    out.println(detail);
                }
            }
        }
    }

    // ---- republish -------------------------------------------------------------------------

    private int republish(CommandLine line, String submission, String scheduler) throws InterruptedException {
        Instant from = Objects.requireNonNull(line.instant("from", true));
        Instant to = Objects.requireNonNull(line.instant("to", true));
        if (!from.isBefore(to)) {
            throw new UsageException("--to must be after --from");
        }
        String service = line.value("service", "all");
        Map<String, String> targets = new LinkedHashMap<>();
        switch (service) {
            case "submission" -> targets.put("submission-service", submission);
            case "scheduler" -> targets.put("scheduler-service", scheduler);
            case "all" -> {
                targets.put("submission-service", submission);
                targets.put("scheduler-service", scheduler);
            }
            default ->
                throw new UsageException("--service must be submission, scheduler or all, was '" + service + "'");
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("from", from.toString());
        body.put("to", to.toString());
        String topic = line.value("topic", null);
        if (topic != null) {
            body.put("topic", topic);
        }
        int exit = DONE;
        for (Map.Entry<String, String> target : targets.entrySet()) {
            String url = target.getValue() + "/admin/outbox/republish";
            Response response;
            try {
                response = send("POST", url, body.toString(), REPUBLISH_TIMEOUT);
            } catch (RefusedException e) {
                err.println(e.getMessage());
                exit = REFUSED;
                continue;
            }
            if (!response.ok()) {
                err.println(
                        refused(target.getKey() + " re-publish", url, response).getMessage());
                exit = REFUSED;
                continue;
            }
            JsonNode answer = response.json();
            if (answer == null) {
                err.println(target.getKey() + ": unexpected answer from " + url + ": " + response.clippedBody());
                exit = REFUSED;
                continue;
            }
            List<String> topics = new ArrayList<>();
            answer.path("byTopic")
                    .properties()
                    .forEach(entry ->
                            topics.add(entry.getKey() + "=" + entry.getValue().asLong()));
            out.printf(
                    "%s: republished %d events created in [%s, %s)%s%s%n",
                    target.getKey(),
                    answer.path("republished").asLong(),
                    text(answer, "from"),
                    text(answer, "to"),
                    topics.isEmpty() ? "" : " (" + String.join(", ", topics) + ")",
                    answer.path("deadLettered").asLong(0) > 0
                            ? ", " + answer.path("deadLettered").asLong() + " to the dead-letter topic"
                            : "");
            if (!answer.path("complete").asBoolean(true)) {
                out.printf(
                        "%s: INCOMPLETE: oldest retained outbox row %s; %s%n",
                        target.getKey(),
                        answer.path("oldestRetained").isNull() ? "none" : text(answer, "oldestRetained"),
                        answer.path("note").asString(""));
            }
        }
        return exit;
    }

    // ---- HTTP ------------------------------------------------------------------------------

    private record Response(
            int status, String body, @Nullable String contentType) {

        boolean ok() {
            return status >= 200 && status < 300;
        }

        @Nullable
        JsonNode json() {
            if (body.isBlank()) {
                return null;
            }
            try {
                JsonNode node = JSON.readTree(body);
                return node.isObject() ? node : null;
            } catch (JacksonException e) {
                return null;
            }
        }

        String clippedBody() {
            String flat = body.replaceAll("\\s+", " ").strip();
            return flat.length() <= 300 ? flat : flat.substring(0, 300) + "...";
        }
    }

    private Response send(String method, String url, @Nullable String body, Duration timeout)
            throws InterruptedException {
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).header("accept", "application/json");
        } catch (IllegalArgumentException e) {
            throw new UsageException("not a URL: " + url);
        }
        if (body == null) {
            request.GET();
        } else {
            request.header("content-type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(
                    response.statusCode(),
                    response.body(),
                    response.headers().firstValue("content-type").orElse(null));
        } catch (ConnectException e) {
            throw new RefusedException("cannot reach " + url + " (connection refused): is the service running?");
        } catch (HttpTimeoutException e) {
            throw new RefusedException("no answer from " + url + " within " + timeout.toSeconds() + " s");
        } catch (IOException e) {
            throw new RefusedException("cannot reach " + url + ": " + e);
        }
    }

    /** The failure message of a non-2xx answer: status, the problem's title and detail, its errors. */
    private static RefusedException refused(String what, String url, Response response) {
        StringBuilder message = new StringBuilder(what)
                .append(" refused by ")
                .append(url)
                .append(" (HTTP ")
                .append(response.status());
        JsonNode problem = response.json();
        if (problem == null) {
            message.append("): ").append(response.clippedBody());
            return new RefusedException(message.toString());
        }
        message.append(")");
        if (problem.hasNonNull("title")) {
            message.append(": ").append(text(problem, "title"));
        }
        if (problem.hasNonNull("detail")) {
            message.append("\n  ").append(text(problem, "detail"));
        }
        if (problem.hasNonNull("type")) {
            message.append("\n  type: ").append(text(problem, "type"));
        }
        for (JsonNode error : problem.path("errors")) {
            String where = error.has("pointer")
                    ? error.path("pointer").asString()
                    : error.path("parameter").asString("");
            message.append("\n  ")
                    .append(where.isEmpty() ? "(body)" : where)
                    .append(": ")
                    .append(error.path("reason").asString(""));
        }
        return new RefusedException(message.toString());
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isValueNode() ? value.asString() : value.toString();
    }

    private static void appendIfPresent(StringBuilder line, JsonNode status, String field, String prefix) {
        if (status.hasNonNull(field)) {
            line.append(prefix).append(text(status, field));
        }
    }

    private static String baseUrl(CommandLine line, Map<String, String> env, String service, int defaultPort) {
        String upper = service.toUpperCase(Locale.ROOT);
        String fromEnv = env.get("TRIBUTARY_" + upper + "_URL");
        String port = env.getOrDefault("TRIBUTARY_" + upper + "_PORT", String.valueOf(defaultPort));
        String fallback = fromEnv != null && !fromEnv.isBlank() ? fromEnv : "http://localhost:" + port.strip();
        String url = line.value(service + "-url", fallback);
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    // ---- command line ----------------------------------------------------------------------

    /** Words and {@code --name[=value]} options, in any order. */
    private record CommandLine(List<String> words, Map<String, @Nullable String> options) {

        private static final Set<String> GLOBAL = Set.of("submission-url", "scheduler-url", "poll-interval", "help");

        static CommandLine parse(List<String> args) {
            List<String> words = new ArrayList<>();
            Map<String, @Nullable String> options = new LinkedHashMap<>();
            for (String arg : args) {
                if (arg.startsWith("--")) {
                    int equals = arg.indexOf('=');
                    String name = equals < 0 ? arg.substring(2) : arg.substring(2, equals);
                    if (name.isEmpty()) {
                        throw new UsageException("bad option '" + arg + "'");
                    }
                    options.put(name, equals < 0 ? null : arg.substring(equals + 1));
                } else if (arg.equals("-h")) {
                    options.put("help", null);
                } else {
                    words.add(arg);
                }
            }
            return new CommandLine(List.copyOf(words), options);
        }

        /** Rejects options other than the global ones and these. */
        void allow(String... names) {
            Set<String> allowed = Set.of(names);
            for (String name : options.keySet()) {
                if (!GLOBAL.contains(name) && !allowed.contains(name)) {
                    throw new UsageException("unknown option --" + name + " for '" + String.join(" ", words) + "'");
                }
            }
        }

        boolean flag(String name) {
            return options.containsKey(name);
        }

        @Nullable
        String value(String name, @Nullable String fallback) {
            if (!options.containsKey(name)) {
                return fallback;
            }
            String value = options.get(name);
            if (value == null || value.isBlank()) {
                throw new UsageException("--" + name + " needs a value (--" + name + "=...)");
            }
            return value;
        }

        @Nullable
        Instant instant(String name, boolean required) {
            String value = value(name, null);
            if (value == null) {
                if (required) {
                    throw new UsageException("--" + name + "=<instant> is required");
                }
                return null;
            }
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw new UsageException(
                        "--" + name + " must be an ISO-8601 instant such as 2026-11-28T02:00:00Z, was '" + value + "'");
            }
        }

        Duration duration(String name, Duration fallback) {
            String value = value(name, null);
            if (value == null) {
                return fallback;
            }
            try {
                if (value.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
                }
                if (value.endsWith("s")) {
                    return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
                }
            } catch (NumberFormatException e) {
                // fall through to the usage error
            }
            throw new UsageException("--" + name + " must be a duration such as 500ms or 2s, was '" + value + "'");
        }
    }

    private static final class UsageException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private static final class RefusedException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        RefusedException(String message) {
            super(message);
        }
    }
}
