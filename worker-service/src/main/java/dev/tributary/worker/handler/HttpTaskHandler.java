package dev.tributary.worker.handler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Type {@code http}: makes one HTTP request with the JDK {@link HttpClient}.
 *
 * <p>Input:
 *
 * <pre>{@code
 * {"method": "POST",                       // optional, default GET
 *  "url": "https://api.example.com/x",     // required, http or https only
 *  "headers": {"Accept": "application/json", "X-Many": ["a", "b"]},   // optional
 *  "body": {"any": "json"},                // optional: JSON is sent as application/json,
 *                                          //   a string as text/plain (unless Content-Type is given)
 *  "timeout": "PT10S"}                     // optional (or milliseconds), capped by max-timeout
 * }</pre>
 *
 * <p>A 2xx answer succeeds with {@code {"status": 200, "headers": {"content-type": "..."},
 * "body": ...}}: header names in lower case, repeated headers joined with {@code ", "}; the body
 * parsed as JSON when the content type is JSON ({@code application/json} or {@code +json}) and
 * valid, else a string; {@code body} is absent when the answer has none.
 *
 * <p>Failures: 5xx, 408 and 429 answers are retryable with code {@code HTTP_<status>} (e.g.
 * {@code HTTP_503}); other answers (4xx, or a 3xx that was not followed) are permanent with code
 * {@code HTTP_<status>}; refused or unreachable connections and connect timeouts are retryable
 * {@code CONNECT_ERROR}; a request that takes longer than its timeout is retryable {@code
 * TIMEOUT}; other I/O errors are retryable {@code IO_ERROR}; a body larger than the response
 * limit is permanent {@code RESPONSE_TOO_LARGE}; a missing or non-http(s) URL or another bad field
 * is permanent {@code BAD_INPUT}. Redirects are followed except from https to http. The
 * idempotency key is not added to the request; pass it in {@code headers} if the server wants
 * one.
 */
public final class HttpTaskHandler implements TaskHandler, AutoCloseable {

    public static final String TYPE = "http";

    private static final Pattern METHOD = Pattern.compile("[A-Z]{1,16}");
    private static final int EXCERPT = 200;

    private final HttpClient client;
    private final Limits limits;
    private final JsonMapper mapper = JsonMapper.builder().build();

    /**
     * Bounds of every request.
     *
     * @param connectTimeout how long establishing a connection may take
     * @param defaultTimeout the request timeout when the input gives none
     * @param maxTimeout the longest request timeout an input may ask for
     * @param maxResponseBytes the largest response body accepted
     */
    public record Limits(Duration connectTimeout, Duration defaultTimeout, Duration maxTimeout, long maxResponseBytes) {

        public Limits {
            requirePositive(connectTimeout, "connectTimeout");
            requirePositive(defaultTimeout, "defaultTimeout");
            requirePositive(maxTimeout, "maxTimeout");
            if (maxResponseBytes < 0) {
                throw new IllegalArgumentException("maxResponseBytes must not be negative");
            }
        }

        /** 5 s to connect, 30 s per request by default and at most 5 min, 1 MiB of body. */
        public static Limits defaults() {
            return new Limits(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5), 1024 * 1024);
        }

        private static void requirePositive(Duration duration, String name) {
            if (Objects.requireNonNull(duration, name).isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
        }
    }

    public HttpTaskHandler(Limits limits) {
        this.limits = limits;
        this.client = HttpClient.newBuilder()
                .connectTimeout(limits.connectTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** Closes the HTTP client; requests still running are aborted. */
    @Override
    public void close() {
        client.close();
    }

    @Override
    public JsonNode handle(TaskContext context) throws InterruptedException {
        JsonNode input = Inputs.object(context.input());
        URI uri = uri(Inputs.optionalString(input, "url"));
        String method = method(Inputs.optionalString(input, "method"));
        Duration timeout = timeout(input);
        HttpRequest request = request(input, uri, method, timeout);
        HttpResponse<byte[]> response = send(request, timeout, describe(method, uri));
        return answer(response, describe(method, uri));
    }

    private static URI uri(@Nullable String url) {
        if (url == null || url.isBlank()) {
            throw Inputs.badInput("'url' is required");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw Inputs.badInput("'url' is not a valid URI: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw Inputs.badInput("'url' must be an absolute http or https URL");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            throw Inputs.badInput("'url' must name a host");
        }
        return uri;
    }

    private static String method(@Nullable String method) {
        if (method == null) {
            return "GET";
        }
        String upper = method.toUpperCase(Locale.ROOT);
        if (!METHOD.matcher(upper).matches()) {
            throw Inputs.badInput("'method' must be an HTTP method such as GET or POST");
        }
        return upper;
    }

    private Duration timeout(JsonNode input) {
        Duration timeout = Inputs.optionalDuration(input, "timeout");
        if (timeout == null) {
            return limits.defaultTimeout();
        }
        if (timeout.isZero()) {
            throw Inputs.badInput("'timeout' must be positive");
        }
        return timeout.compareTo(limits.maxTimeout()) > 0 ? limits.maxTimeout() : timeout;
    }

    private HttpRequest request(JsonNode input, URI uri, String method, Duration timeout) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout);
        boolean hasContentType = false;
        JsonNode headers = input.path("headers");
        if (!headers.isMissingNode() && !headers.isNull()) {
            if (!headers.isObject()) {
                throw Inputs.badInput("'headers' must be an object of names to a string or an array of strings");
            }
            for (Map.Entry<String, JsonNode> header : headers.properties()) {
                String name = header.getKey();
                hasContentType |= name.equalsIgnoreCase("content-type");
                List<JsonNode> values = header.getValue().isArray()
                        ? header.getValue().valueStream().toList()
                        : List.of(header.getValue());
                for (JsonNode value : values) {
                    if (!value.isString()) {
                        throw Inputs.badInput("header '" + name + "' must be a string or an array of strings");
                    }
                    try {
                        builder.header(name, value.stringValue());
                    } catch (IllegalArgumentException e) {
                        throw Inputs.badInput("header '" + name + "' is not allowed or not valid");
                    }
                }
            }
        }
        JsonNode body = input.path("body");
        HttpRequest.BodyPublisher publisher;
        if (body.isMissingNode() || body.isNull()) {
            publisher = HttpRequest.BodyPublishers.noBody();
        } else if (body.isString()) {
            publisher = HttpRequest.BodyPublishers.ofString(body.stringValue(), StandardCharsets.UTF_8);
            if (!hasContentType) {
                builder.header("Content-Type", "text/plain; charset=utf-8");
            }
        } else {
            publisher = HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(body));
            if (!hasContentType) {
                builder.header("Content-Type", "application/json");
            }
        }
        try {
            return builder.method(method, publisher).build();
        } catch (IllegalArgumentException e) {
            throw Inputs.badInput("'method' is not valid: " + e.getMessage());
        }
    }

    private HttpResponse<byte[]> send(HttpRequest request, Duration timeout, String what) throws InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> future =
                client.sendAsync(request, info -> new LimitedBodySubscriber(info.headers(), limits.maxResponseBytes()));
        try {
            // The request timeout covers the wait for the response headers only; this bounds the body too.
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new RetryableTaskException("TIMEOUT", what + " took longer than " + timeout, e);
        } catch (InterruptedException e) {
            future.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw failure(e.getCause() == null ? e : e.getCause(), what, timeout);
        }
    }

    private TaskException failure(Throwable failure, String what, Duration timeout) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ResponseTooLargeException) {
                return new PermanentTaskException(
                        "RESPONSE_TOO_LARGE",
                        what + " answered with a body larger than " + limits.maxResponseBytes() + " bytes");
            }
            if (cause instanceof HttpConnectTimeoutException) {
                return new RetryableTaskException(
                        "CONNECT_ERROR", what + ": connecting took longer than " + limits.connectTimeout(), failure);
            }
            if (cause instanceof HttpTimeoutException) {
                return new RetryableTaskException("TIMEOUT", what + " took longer than " + timeout, failure);
            }
            if (cause instanceof ConnectException
                    || cause instanceof UnknownHostException
                    || cause instanceof NoRouteToHostException
                    || cause instanceof UnresolvedAddressException) {
                return new RetryableTaskException("CONNECT_ERROR", what + ": cannot connect: " + cause, failure);
            }
        }
        if (failure instanceof IOException) {
            return new RetryableTaskException("IO_ERROR", what + " failed: " + failure, failure);
        }
        return new RetryableTaskException("HTTP_CLIENT_ERROR", what + " failed: " + failure, failure);
    }

    private JsonNode answer(HttpResponse<byte[]> response, String what) {
        int status = response.statusCode();
        String contentType =
                response.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT);
        byte[] bytes = response.body();
        if (status < 200 || status > 299) {
            String message = what + " answered " + status + excerpt(bytes, contentType);
            String code = "HTTP_" + status;
            if (status >= 500 || status == 408 || status == 429) {
                throw new RetryableTaskException(code, message);
            }
            throw new PermanentTaskException(code, message);
        }
        ObjectNode output = JsonNodeFactory.instance.objectNode();
        output.put("status", status);
        output.set("headers", headers(response.headers()));
        if (bytes.length > 0) {
            output.set("body", body(bytes, contentType));
        }
        return output;
    }

    private static ObjectNode headers(HttpHeaders headers) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        headers.map().forEach((name, values) -> {
            if (!name.startsWith(":")) {
                node.put(name.toLowerCase(Locale.ROOT), String.join(", ", values));
            }
        });
        return node;
    }

    private JsonNode body(byte[] bytes, String contentType) {
        if (isJson(contentType)) {
            try {
                return mapper.readTree(bytes);
            } catch (JacksonException e) {
                // Claims JSON but is not: keep it as text rather than failing the task.
            }
        }
        return JsonNodeFactory.instance.stringNode(new String(bytes, charset(contentType)));
    }

    private static boolean isJson(String contentType) {
        String mediaType = contentType.split(";", 2)[0].trim();
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }

    private static Charset charset(String contentType) {
        for (String parameter : contentType.split(";")) {
            String[] pair = parameter.trim().split("=", 2);
            if (pair.length == 2 && pair[0].trim().equals("charset")) {
                try {
                    return Charset.forName(pair[1].trim().replace("\"", ""));
                } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
                    return StandardCharsets.UTF_8;
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    private static String excerpt(byte[] bytes, String contentType) {
        if (bytes.length == 0) {
            return "";
        }
        String text = new String(bytes, 0, Math.min(bytes.length, EXCERPT * 4), charset(contentType)).strip();
        return ": " + (text.length() > EXCERPT ? text.substring(0, EXCERPT) + "…" : text);
    }

    /** {@code GET https://host/path}, without the query (it may carry secrets). */
    private static String describe(String method, URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        return method + " " + uri.getScheme() + "://" + uri.getHost() + port + path;
    }

    /** Marks a body over the limit. */
    private static final class ResponseTooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        ResponseTooLargeException(long limit) {
            super("response body larger than " + limit + " bytes");
        }
    }

    /** Collects the body up to a limit and fails as soon as it is exceeded. */
    private static final class LimitedBodySubscriber implements BodySubscriber<byte[]> {

        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private final long limit;
        private final long declaredLength;
        private Flow.@Nullable Subscription subscription;

        LimitedBodySubscriber(HttpHeaders headers, long limit) {
            this.limit = limit;
            this.declaredLength = headers.firstValueAsLong("content-length").orElse(-1);
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (declaredLength > limit) {
                subscription.cancel();
                result.completeExceptionally(new ResponseTooLargeException(limit));
                return;
            }
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer item : items) {
                if (buffer.size() + (long) item.remaining() > limit) {
                    if (subscription != null) {
                        subscription.cancel();
                    }
                    result.completeExceptionally(new ResponseTooLargeException(limit));
                    return;
                }
                byte[] bytes = new byte[item.remaining()];
                item.get(bytes);
                buffer.writeBytes(bytes);
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(buffer.toByteArray());
        }
    }
}
