package dev.tributary.submission;

import dev.tributary.events.codec.EventCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** A real HTTP client for the service under test (JDK {@link HttpClient}, HTTP/1.1). */
public final class ApiClient {

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30))
            .build();

    private final String baseUrl;

    public ApiClient(int port) {
        this.baseUrl = "http://localhost:" + port;
    }

    /** One response with its body as text and, when it is JSON, as a tree. */
    public record Response(int status, Optional<String> contentType, Optional<String> location, String body) {

        public JsonNode json() {
            return EventCodec.json().readTree(body.getBytes(StandardCharsets.UTF_8));
        }

        public boolean isProblem() {
            return contentType
                    .map(type -> type.startsWith("application/problem+json"))
                    .orElse(false);
        }
    }

    public Response submit(String json) {
        return submit(json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    public Response submit(byte[] body, String contentType) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/workflows"))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", contentType)
                .header("Accept", "application/json, application/problem+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return send(request);
    }

    /** A POST of a JSON body (or of none, when {@code json} is null) to a path. */
    public Response post(String path, @Nullable String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(120))
                .header("Accept", "application/json, application/problem+json");
        if (json == null) {
            request.POST(HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        }
        return send(request.build());
    }

    public Response get(String path) {
        return get(path, "application/json, application/problem+json");
    }

    public Response get(String path, String accept) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofSeconds(120))
                .header("Accept", accept)
                .GET()
                .build();
        return send(request);
    }

    public Response getWorkflow(String id) {
        return get("/api/v1/workflows/" + id);
    }

    private static Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(
                    response.statusCode(),
                    response.headers().firstValue("Content-Type"),
                    response.headers().firstValue("Location"),
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
