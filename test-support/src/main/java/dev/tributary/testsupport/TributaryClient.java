package dev.tributary.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.codec.EventCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A small fluent client of the public HTTP API for end-to-end tests: {@code
 * client.submit(json).awaitStatus("SUCCEEDED")}.
 */
public final class TributaryClient {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final EventCodec codec = EventCodec.json();

    public TributaryClient(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** A client of the submission-service on localhost at this port. */
    public static TributaryClient onPort(int port) {
        return new TributaryClient("http://localhost:" + port);
    }

    /** Submits a workflow and expects it accepted (201, or 200 for an identical replay). */
    public Workflow submit(String json) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/api/v1/workflows"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build());
        assertThat(response.statusCode())
                .as("submission answered %s", response.body())
                .isIn(200, 201);
        return new Workflow(codec.readTree(response.body().getBytes(StandardCharsets.UTF_8))
                .get("id")
                .asString());
    }

    /** Submits a workflow built as a JSON tree. */
    public Workflow submit(JsonNode workflow) {
        return submit(codec.encodeToString(workflow));
    }

    /** GET of any API path; returns status and body. */
    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    /** POST of a JSON body (or none, when {@code json} is null) to any API path; returns status and body. */
    public HttpResponse<String> post(String path, @Nullable String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path));
        if (json == null) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        }
        return send(request.build());
    }

    /** GET that expects 200 and returns the JSON body. */
    public JsonNode getJson(String path) {
        HttpResponse<String> response = get(path);
        assertThat(response.statusCode())
                .as("GET %s answered %s", path, response.body())
                .isEqualTo(200);
        return codec.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    private URI uri(String path) {
        return URI.create(baseUrl + path);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One submitted workflow. */
    public final class Workflow {
        private final String id;

        Workflow(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** The workflow as the read API shows it now. */
        public JsonNode get() {
            return getJson("/api/v1/workflows/" + id);
        }

        /** The workflow's history as the read API shows it now. */
        public List<JsonNode> events() {
            List<JsonNode> events = new ArrayList<>();
            getJson("/api/v1/workflows/" + id + "/events").forEach(events::add);
            return events;
        }

        /** Asks to cancel the workflow; returns the HTTP response (202 when accepted). */
        public HttpResponse<String> cancel(@Nullable String reason) {
            return post("/api/v1/workflows/" + id + "/cancel", reason == null ? null : reasonJson(reason));
        }

        /** Asks to rerun the failed or cancelled workflow; returns the HTTP response (202 when accepted). */
        public HttpResponse<String> retry(@Nullable String reason) {
            return post("/api/v1/workflows/" + id + "/retry", reason == null ? null : reasonJson(reason));
        }

        private String reasonJson(String reason) {
            return codec.encodeToString(java.util.Map.of("reason", reason));
        }

        /** One task of the workflow as the read API shows it now. */
        public JsonNode task(String taskId) {
            for (JsonNode task : get().get("tasks")) {
                if (task.get("id").asString().equals(taskId)) {
                    return task;
                }
            }
            throw new AssertionError("workflow " + id + " has no task " + taskId);
        }

        /** Waits until the workflow has this status; returns the workflow then. */
        public JsonNode awaitStatus(String status) {
            return awaitStatus(status, Duration.ofSeconds(120));
        }

        /** Waits until the workflow has this status; returns the workflow then. */
        public JsonNode awaitStatus(String status, Duration timeout) {
            AtomicReference<JsonNode> last = new AtomicReference<>();
            Awaitility.await("workflow " + id + " " + status)
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .untilAsserted(() -> {
                        JsonNode workflow = get();
                        last.set(workflow);
                        assertThat(workflow.get("status").asString())
                                .as("status of %s", id)
                                .isEqualTo(status);
                    });
            return last.get();
        }

        /** The status of one task now. */
        public String taskStatus(String taskId) {
            return task(taskId).get("status").asString();
        }
    }
}
