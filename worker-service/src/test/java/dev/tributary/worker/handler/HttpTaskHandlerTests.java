package dev.tributary.worker.handler;

import static dev.tributary.worker.handler.Contexts.context;
import static dev.tributary.worker.handler.Contexts.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The {@code http} handler against a real HTTP server on 127.0.0.1. */
class HttpTaskHandlerTests {

    private static final long MAX_RESPONSE = 1024;

    private final CountDownLatch release = new CountDownLatch(1);
    private final Map<String, String> received = new ConcurrentHashMap<>();
    private HttpServer server;
    private HttpTaskHandler handler;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext(
                "/json", exchange -> respond(exchange, 200, "application/json", "{\"ok\": true, \"n\": [1, 2]}"));
        server.createContext("/text", exchange -> respond(exchange, 200, "text/plain; charset=utf-8", "plain words"));
        server.createContext("/empty", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.createContext("/echo", exchange -> {
            received.put("method", exchange.getRequestMethod());
            received.put(
                    "content-type", String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")));
            received.put("x-token", String.valueOf(exchange.getRequestHeaders().getFirst("X-Token")));
            received.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            respond(exchange, 201, "application/json", "{\"created\": 1}");
        });
        server.createContext("/missing", exchange -> respond(exchange, 404, "text/plain", "no such thing"));
        server.createContext("/busy", exchange -> respond(exchange, 503, "text/plain", "try later"));
        server.createContext("/throttled", exchange -> respond(exchange, 429, "text/plain", "slow down"));
        server.createContext("/slow", exchange -> {
            try {
                release.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, 200, "text/plain", "late");
        });
        server.createContext("/big", exchange -> respond(exchange, 200, "text/plain", "x".repeat(4096)));
        server.createContext("/big-chunked", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, 0); // chunked: no Content-Length
            try (OutputStream body = exchange.getResponseBody()) {
                for (int i = 0; i < 8; i++) {
                    body.write("y".repeat(512).getBytes(StandardCharsets.US_ASCII));
                    body.flush();
                }
            } catch (IOException e) {
                // the client hung up once it had too much
            }
        });
        server.start();
        handler = new HttpTaskHandler(new HttpTaskHandler.Limits(
                Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(1), MAX_RESPONSE));
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        handler.close();
        server.stop(0);
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private JsonNode call(String inputJson) throws Exception {
        return handler.handle(context("http", json(inputJson)));
    }

    private JsonNode get(String path, @Nullable String extra) throws Exception {
        return call("{\"url\": \"" + url(path) + "\"" + (extra == null ? "" : ", " + extra) + "}");
    }

    @Test
    void a2xxJsonAnswerSucceedsWithStatusHeadersAndParsedBody() throws Exception {
        JsonNode output = get("/json", null);

        assertThat(output.path("status").intValue()).isEqualTo(200);
        assertThat(output.path("body")).isEqualTo(json("{\"ok\": true, \"n\": [1, 2]}"));
        assertThat(output.path("headers").path("content-type").stringValue()).isEqualTo("application/json");
    }

    @Test
    void aNonJsonAnswerIsKeptAsText() throws Exception {
        JsonNode output = get("/text", null);

        assertThat(output.path("body").stringValue()).isEqualTo("plain words");
    }

    @Test
    void anAnswerWithoutBodyHasNoBodyField() throws Exception {
        JsonNode output = get("/empty", null);

        assertThat(output.path("status").intValue()).isEqualTo(204);
        assertThat(output.has("body")).isFalse();
    }

    @Test
    void sendsMethodHeadersAndAJsonBody() throws Exception {
        JsonNode output = call("{\"method\": \"post\", \"url\": \"" + url("/echo")
                + "\", \"headers\": {\"X-Token\": \"abc\"}, \"body\": {\"order\": 7}}");

        assertThat(output.path("status").intValue()).isEqualTo(201);
        assertThat(output.path("body")).isEqualTo(json("{\"created\": 1}"));
        assertThat(received)
                .containsEntry("method", "POST")
                .containsEntry("content-type", "application/json")
                .containsEntry("x-token", "abc");
        assertThat(json(received.get("body"))).isEqualTo(json("{\"order\": 7}"));
    }

    @Test
    void sendsAStringBodyAsText() throws Exception {
        call("{\"method\": \"PUT\", \"url\": \"" + url("/echo") + "\", \"body\": \"hello\"}");

        assertThat(received)
                .containsEntry("method", "PUT")
                .containsEntry("content-type", "text/plain; charset=utf-8")
                .containsEntry("body", "hello");
    }

    @Test
    void a4xxAnswerIsAPermanentFailureNamedAfterTheStatus() {
        assertThatThrownBy(() -> get("/missing", null)).isInstanceOfSatisfying(PermanentTaskException.class, e -> {
            assertThat(e.errorCode()).isEqualTo("HTTP_404");
            assertThat(e.getMessage()).contains("GET", "/missing", "404", "no such thing");
        });
    }

    @Test
    void a5xxAnswerIsARetryableFailure() {
        assertThatThrownBy(() -> get("/busy", null)).isInstanceOfSatisfying(RetryableTaskException.class, e -> {
            assertThat(e.errorCode()).isEqualTo("HTTP_503");
            assertThat(e.getMessage()).contains("try later");
        });
    }

    @Test
    void tooManyRequestsIsRetryable() {
        assertThatThrownBy(() -> get("/throttled", null))
                .isInstanceOfSatisfying(
                        RetryableTaskException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("HTTP_429"));
    }

    @Test
    void anAnswerSlowerThanTheTimeoutIsARetryableTimeout() {
        assertThatThrownBy(() -> get("/slow", "\"timeout\": \"PT0.3S\""))
                .isInstanceOfSatisfying(
                        RetryableTaskException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("TIMEOUT"));
    }

    @Test
    void aBodyOverTheLimitIsAPermanentFailure() {
        assertThatThrownBy(() -> get("/big", null))
                .isInstanceOfSatisfying(
                        PermanentTaskException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("RESPONSE_TOO_LARGE"));
        assertThatThrownBy(() -> get("/big-chunked", null))
                .isInstanceOfSatisfying(
                        PermanentTaskException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("RESPONSE_TOO_LARGE"));
    }

    @Test
    void aRefusedConnectionIsARetryableConnectError() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        assertThatThrownBy(() -> call("{\"url\": \"http://127.0.0.1:" + closedPort + "/\"}"))
                .isInstanceOfSatisfying(
                        RetryableTaskException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("CONNECT_ERROR"));
    }

    @Test
    void onlyAbsoluteHttpAndHttpsUrlsAreAccepted() {
        for (String input : new String[] {
            "{}",
            "{\"url\": \"ftp://127.0.0.1/file\"}",
            "{\"url\": \"file:///etc/passwd\"}",
            "{\"url\": \"/relative\"}",
            "{\"url\": \"http://\"}",
            "{\"url\": \"http://exa mple.com\"}",
            "{\"url\": 42}",
        }) {
            assertThatThrownBy(() -> call(input))
                    .as(input)
                    .isInstanceOfSatisfying(
                            PermanentTaskException.class,
                            e -> assertThat(e.errorCode()).isEqualTo("BAD_INPUT"));
        }
    }

    @Test
    void badMethodsAndHeadersAreBadInput() {
        assertThatThrownBy(() -> get("/json", "\"method\": \"GET /x\""))
                .isInstanceOfSatisfying(
                        PermanentTaskException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("BAD_INPUT"));
        assertThatThrownBy(() -> get("/json", "\"headers\": {\"Host\": \"evil\"}"))
                .isInstanceOfSatisfying(
                        PermanentTaskException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("BAD_INPUT"));
        assertThatThrownBy(() -> get("/json", "\"headers\": {\"X-N\": 1}"))
                .isInstanceOfSatisfying(
                        PermanentTaskException.class,
                        e -> assertThat(e.errorCode()).isEqualTo("BAD_INPUT"));
    }
}
