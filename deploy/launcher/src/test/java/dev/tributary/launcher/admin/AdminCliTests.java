package dev.tributary.launcher.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admin client against a tiny in-test HTTP server (our own seam) that serves the admin API's
 * shapes: status JSON of rebuild/replay, problem details, the re-publish answer.
 */
class AdminCliTests {

    private final List<Stub> stubs = new ArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void stopServers() {
        stubs.forEach(stub -> stub.server.stop(0));
    }

    @Test
    void rebuildsTheSchedulerAndPrintsProgressPerPartitionUntilFinished() {
        Stub scheduler = stub();
        scheduler.answer("POST /admin/rebuild/scheduler", 202, status("RUNNING", 0, 0, 10, 0, 6));
        scheduler.answer("GET /admin/rebuild/scheduler", 200, status("RUNNING", 4, 0, 10, 0, 6));
        scheduler.answer("GET /admin/rebuild/scheduler", 200, status("RUNNING", 10, 3, 10, 3, 6));
        scheduler.answer("GET /admin/rebuild/scheduler", 200, status("FINISHED", 10, 6, 10, 6, 6));

        int exit = run("rebuild", "scheduler", "--scheduler-url=" + scheduler.url(), "--poll-interval=1ms");

        assertThat(exit).as(err()).isZero();
        assertThat(scheduler.requests())
                .containsExactly(
                        "POST /admin/rebuild/scheduler {}",
                        "GET /admin/rebuild/scheduler",
                        "GET /admin/rebuild/scheduler",
                        "GET /admin/rebuild/scheduler");
        assertThat(out())
                .contains("scheduler rebuild RUNNING: 0/16 records replayed (0%)")
                .contains("scheduler rebuild RUNNING: 13/16 records replayed (81%)")
                .contains("scheduler rebuild FINISHED: 16/16 records replayed (100%)")
                .contains("topic tributary.workflow-events, group tributary-scheduler")
                .contains("  partition 0: 10/10 replayed (offsets 0..10, at 10)")
                .contains("  partition 1: 3/6 replayed (offsets 0..6, at 3)");
    }

    @Test
    void returnsAtOnceWithNoWait() {
        Stub submission = stub();
        submission.answer("POST /admin/rebuild/projection", 202, status("RUNNING", 0, 0, 5, 0, 5));

        int exit = run(
                "rebuild",
                "projection",
                "--from=2026-11-28T02:00:00Z",
                "--no-wait",
                "--submission-url=" + submission.url() + "/");

        assertThat(exit).as(err()).isZero();
        assertThat(submission.requests())
                .containsExactly("POST /admin/rebuild/projection {\"from\":\"2026-11-28T02:00:00Z\"}");
        assertThat(out()).contains("Started projection rebuild");
    }

    @Test
    void printsTheProblemAndExitsOneWhenARebuildIsAlreadyRunning() {
        Stub scheduler = stub();
        scheduler.answer("POST /admin/rebuild/scheduler", 409, """
                {"type": "https://tributary.dev/problems/rebuild-running", "title": "Rebuild already running",
                 "status": 409, "detail": "A rebuild of the scheduler state started at 2026-11-28T02:00:00Z is running."}
                """);

        int exit = run("rebuild", "scheduler", "--scheduler-url=" + scheduler.url());

        assertThat(exit).isEqualTo(AdminCli.REFUSED);
        assertThat(err())
                .contains("HTTP 409")
                .contains("Rebuild already running")
                .contains("started at 2026-11-28T02:00:00Z is running")
                .contains("rebuild-running");
        assertThat(scheduler.requests()).hasSize(1);
    }

    @Test
    void replaysTheKafkaIntakeFromAnInstantUsingTheUrlFromTheEnvironment() {
        Stub submission = stub();
        submission.answer("POST /admin/replay/kafka-intake", 202, """
                {"state": "RUNNING", "consumerGroup": "tributary-intake", "topic": "tributary.workflow-submissions",
                 "requestedFrom": "2026-11-28T01:00:00Z", "replayed": 0, "total": 2, "partitions": []}""");
        submission.answer("GET /admin/replay/kafka-intake", 200, """
                {"state": "FINISHED", "consumerGroup": "tributary-intake", "topic": "tributary.workflow-submissions",
                 "requestedFrom": "2026-11-28T01:00:00Z", "replayed": 2, "total": 2, "partitions": []}""");

        int exit = AdminCli.run(
                List.of("replay", "kafka-intake", "--from=2026-11-28T01:00:00Z", "--poll-interval=1ms"),
                Map.of("TRIBUTARY_SUBMISSION_URL", submission.url()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(exit).as(err()).isZero();
        assertThat(submission.requests())
                .containsExactly(
                        "POST /admin/replay/kafka-intake {\"from\":\"2026-11-28T01:00:00Z\"}",
                        "GET /admin/replay/kafka-intake");
        assertThat(out()).contains("kafka-intake replay FINISHED: 2/2").contains("from 2026-11-28T01:00:00Z");
    }

    @Test
    void republishesOnEveryServiceAndSaysWhenARangeIsIncomplete() {
        Stub submission = stub();
        Stub scheduler = stub();
        submission.answer("POST /admin/outbox/republish", 200, """
                {"republished": 3, "from": "2026-11-28T01:00:00Z", "to": "2026-11-28T02:00:00Z",
                 "oldestRetained": "2026-11-27T02:10:00Z", "complete": true,
                 "byTopic": {"tributary.workflow-events": 3}, "deadLettered": 0}""");
        scheduler.answer("POST /admin/outbox/republish", 200, """
                {"republished": 5, "from": "2026-11-28T01:00:00Z", "to": "2026-11-28T02:00:00Z",
                 "oldestRetained": "2026-11-28T01:30:00Z", "complete": false,
                 "byTopic": {"tributary.tasks.echo": 2, "tributary.workflow-events": 3}, "deadLettered": 0,
                 "note": "rows before oldestRetained may have been deleted"}""");

        int exit = run(
                "republish",
                "--from=2026-11-28T01:00:00Z",
                "--to=2026-11-28T02:00:00Z",
                "--submission-url=" + submission.url(),
                "--scheduler-url=" + scheduler.url());

        assertThat(exit).as(err()).isZero();
        String body = "{\"from\":\"2026-11-28T01:00:00Z\",\"to\":\"2026-11-28T02:00:00Z\"}";
        assertThat(submission.requests()).containsExactly("POST /admin/outbox/republish " + body);
        assertThat(scheduler.requests()).containsExactly("POST /admin/outbox/republish " + body);
        assertThat(out())
                .contains("submission-service: republished 3 events created in [2026-11-28T01:00:00Z,"
                        + " 2026-11-28T02:00:00Z) (tributary.workflow-events=3)")
                .contains("scheduler-service: republished 5 events")
                .contains("tributary.tasks.echo=2")
                .contains("scheduler-service: INCOMPLETE: oldest retained outbox row 2026-11-28T01:30:00Z")
                .doesNotContain("submission-service: INCOMPLETE");
    }

    @Test
    void republishesOnOneServiceWithATopicAndExitsOneWithTheFieldErrorsWhenRefused() {
        Stub scheduler = stub();
        scheduler.answer("POST /admin/outbox/republish", 400, """
                {"type": "https://tributary.dev/problems/invalid-republish-range", "title": "Invalid re-publish range",
                 "status": 400, "detail": "Invalid re-publish range at /topic; nothing was re-published.",
                 "errors": [{"pointer": "/topic", "reason": "must be a non-empty topic name"}]}""");

        int exit = run(
                "republish",
                "--from=2026-11-28T01:00:00Z",
                "--to=2026-11-28T02:00:00Z",
                "--service=scheduler",
                "--topic=tributary.tasks.echo",
                "--scheduler-url=" + scheduler.url());

        assertThat(exit).isEqualTo(AdminCli.REFUSED);
        assertThat(scheduler.requests())
                .containsExactly("POST /admin/outbox/republish {\"from\":\"2026-11-28T01:00:00Z\","
                        + "\"to\":\"2026-11-28T02:00:00Z\",\"topic\":\"tributary.tasks.echo\"}");
        assertThat(err()).contains("HTTP 400").contains("/topic: must be a non-empty topic name");
    }

    @Test
    void exitsTwoOnUsageErrorsWithoutCallingAnyService() {
        Stub any = stub();
        String url = "--submission-url=" + any.url();

        assertThat(run("replay", "kafka-intake", url)).isEqualTo(AdminCli.USAGE);
        assertThat(err()).contains("--from=<instant> is required").contains("Usage: tributary admin");
        assertThat(run("republish", "--from=yesterday", "--to=2026-11-28T02:00:00Z", url))
                .isEqualTo(AdminCli.USAGE);
        assertThat(run("republish", "--from=2026-11-28T02:00:00Z", "--to=2026-11-28T01:00:00Z", url))
                .isEqualTo(AdminCli.USAGE);
        assertThat(run("republish", "--from=2026-11-28T01:00:00Z", "--to=2026-11-28T02:00:00Z", "--service=worker"))
                .isEqualTo(AdminCli.USAGE);
        assertThat(run("rebuild", "everything", url)).isEqualTo(AdminCli.USAGE);
        assertThat(run("rebuild", "scheduler", "--from=2026-11-28T01:00:00Z", url))
                .isEqualTo(AdminCli.USAGE);
        assertThat(run()).isEqualTo(AdminCli.USAGE);
        assertThat(err()).contains("unknown command 'rebuild everything'").contains("unknown option --from");
        assertThat(any.requests()).isEmpty();

        assertThat(run("--help")).isEqualTo(AdminCli.DONE);
        assertThat(out()).contains("Usage: tributary admin");
    }

    @Test
    void exitsOneWhenTheServiceCannotBeReached() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }

        int exit = run("rebuild", "scheduler", "--scheduler-url=http://localhost:" + port);

        assertThat(exit).isEqualTo(AdminCli.REFUSED);
        assertThat(err()).contains("cannot reach http://localhost:" + port + "/admin/rebuild/scheduler");
    }

    private int run(String... args) {
        return AdminCli.run(
                List.of(args),
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** A status JSON of two partitions: partition 0 with {@code p0} of {@code t0}, 1 with {@code p1} of {@code t1}. */
    private static String status(String state, long p0, long p1, long t0, long pos1, long t1) {
        return """
                {"state": "%s", "consumerGroup": "tributary-scheduler", "topic": "tributary.workflow-events",
                 "startedAt": "2026-11-28T02:00:00Z", "replayed": %d, "total": %d,
                 "partitions": [
                   {"partition": 0, "from": 0, "until": %d, "position": %d, "replayed": %d, "total": %d},
                   {"partition": 1, "from": 0, "until": %d, "position": %d, "replayed": %d, "total": %d}]}""".formatted(state, p0 + p1, t0 + t1, t0, p0, p0, t0, t1, pos1, p1, t1);
    }

    private Stub stub() {
        Stub stub = new Stub();
        stubs.add(stub);
        return stub;
    }

    /** Answers each "METHOD /path" with its queued answers in turn, repeating the last one. */
    private static final class Stub {

        final HttpServer server;
        final Map<String, Deque<String[]>> answers = new HashMap<>();
        final List<String> requests = Collections.synchronizedList(new ArrayList<>());

        Stub() {
            try {
                server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            server.createContext("/", this::handle);
            server.start();
        }

        String url() {
            return "http://localhost:" + server.getAddress().getPort();
        }

        void answer(String request, int status, String body) {
            answers.computeIfAbsent(request, key -> new ArrayDeque<>())
                    .add(new String[] {String.valueOf(status), body});
        }

        List<String> requests() {
            return List.copyOf(requests);
        }

        private void handle(HttpExchange exchange) throws IOException {
            String key =
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(body.isEmpty() ? key : key + " " + body);
            Deque<String[]> queue = answers.get(key);
            String[] answer;
            synchronized (answers) {
                answer = queue == null
                        ? new String[] {"404", "{\"title\": \"Not Found\", \"status\": 404}"}
                        : queue.size() > 1 ? queue.poll() : queue.peek();
            }
            int status = Integer.parseInt(answer[0]);
            byte[] bytes = answer[1].getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders()
                    .add("content-type", status >= 400 ? "application/problem+json" : "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        }
    }
}
