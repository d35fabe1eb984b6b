package dev.tributary.worker;

import static dev.tributary.worker.KafkaTestKit.dispatch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.history.WorkflowEvent.TaskSucceeded;
import dev.tributary.worker.handler.TaskContext;
import dev.tributary.worker.handler.TaskHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The service as a user runs it: the Spring Boot application with the built-in handlers plus a
 * handler bean of the application's own, on the embedded broker.
 */
@SpringBootTest(
        classes = {WorkerApplication.class, WorkerApplicationIntegrationTests.UserHandlers.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WorkerApplicationIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static KafkaTestKit kit;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void kafka(DynamicPropertyRegistry registry) {
        kit = KafkaTestKit.create("app", "greet", "noop", "echo", "sleep", "fail", "http");
        registry.add("spring.kafka.bootstrap-servers", KafkaTestKit::bootstrapServers);
        kit.properties().forEach((name, value) -> registry.add(name, () -> value));
        registry.add("tributary.worker.id", () -> "app-worker");
        registry.add("tributary.worker.shutdown-grace", () -> "1s");
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class UserHandlers {
        @Bean
        TaskHandler greetHandler() {
            return new TaskHandler() {
                @Override
                public String type() {
                    return "greet";
                }

                @Override
                public JsonNode handle(TaskContext context) {
                    return JsonNodeFactory.instance
                            .objectNode()
                            .put(
                                    "greeting",
                                    "hello " + context.input().path("name").stringValue("?"));
                }
            };
        }
    }

    @Test
    void runsTheApplicationsHandlerAndTheBuiltInsAndExposesMetrics() throws Exception {
        kit.send(dispatch(
                "greet", "wf-app", "hi", JsonNodeFactory.instance.objectNode().put("name", "ada")));
        kit.send(dispatch("echo", "wf-app", "copy", JsonNodeFactory.instance.stringNode("same")));

        await().atMost(WAIT)
                .until(() -> kit.events().stream()
                                .filter(TaskSucceeded.class::isInstance)
                                .count()
                        == 2);
        assertThat(kit.events().stream().filter(TaskSucceeded.class::isInstance).map(TaskSucceeded.class::cast))
                .allSatisfy(s -> assertThat(s.workerId()).isEqualTo("app-worker"))
                .anySatisfy(s ->
                        assertThat(s.output().path("greeting").stringValue("")).isEqualTo("hello ada"))
                .anySatisfy(s ->
                        assertThat(s.output().path("input").stringValue("")).isEqualTo("same"));

        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> health = http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"UP\"");
            HttpResponse<String> metrics = http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/prometheus"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body())
                    .contains("tributary_worker_tasks_seconds_count{outcome=\"succeeded\",type=\"greet\"}")
                    .contains("tributary_worker_tasks_running{type=\"echo\"}");
        }
    }
}
