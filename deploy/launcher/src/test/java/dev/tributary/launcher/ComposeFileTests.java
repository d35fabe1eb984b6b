package dev.tributary.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * compose.yaml cannot run here (no Docker engine), so this test keeps it honest: every service is
 * there, listens on the port its own configuration declares, publishes that port, and sets only
 * environment variables that bind (by Spring's relaxed rules) to a property the service declares
 * in its configuration metadata (its own, the outbox relay's, or Spring Boot's).
 */
class ComposeFileTests {

    private static final Path COMPOSE = Path.of("../../compose.yaml");

    @ParameterizedTest
    @ValueSource(strings = {"submission-service", "scheduler-service", "worker-service"})
    void serviceMatchesTheConfigurationItDeclares(String service) throws IOException {
        Map<String, Object> compose = load(COMPOSE);
        Map<String, Object> services = map(compose.get("services"));
        assertThat(services).containsKey(service);
        Map<String, Object> definition = map(services.get(service));
        Map<String, Object> environment = map(definition.get("environment"));

        String declaredPort =
                String.valueOf(map(ownConfiguration(service).get("server")).get("port"));
        assertThat(environment.get("SERVER_PORT"))
                .as("SERVER_PORT of %s", service)
                .hasToString(declaredPort);
        assertThat(list(definition.get("ports")))
                .as("published ports of %s", service)
                .contains(declaredPort + ":" + declaredPort);

        Set<String> bindable = bindableEnvironmentNames(service);
        assertThat(bindable).as("configuration metadata found for %s", service).isNotEmpty();
        for (String variable : environment.keySet()) {
            assertThat(bindable)
                    .as("%s sets %s, which binds to no property the service declares", service, variable)
                    .contains(variable);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka", "postgres", "prometheus", "jaeger"})
    void infrastructureIsThere(String name) throws IOException {
        assertThat(map(load(COMPOSE).get("services"))).containsKey(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"submission-service:8081", "scheduler-service:8082", "worker-service:8083"})
    void prometheusScrapesEveryService(String target) throws IOException {
        assertThat(Files.readString(Path.of("../compose/prometheus.yml"))).contains(target);
    }

    /** Environment variable names that Spring binds to a property the service declares. */
    private static Set<String> bindableEnvironmentNames(String service) throws IOException {
        Set<String> names = new HashSet<>();
        List<URL> metadata = Collections.list(
                ComposeFileTests.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json"));
        String module = service.equals("worker-service") ? "worker-service" : service;
        for (URL url : metadata) {
            String location = url.toString();
            boolean relevant = location.contains("/" + module + "/")
                    || location.contains(module + "-")
                    || location.contains("spring-boot")
                    || (!service.equals("worker-service") && location.contains("outbox-relay"));
            if (!relevant) {
                continue;
            }
            try (InputStream in = url.openStream()) {
                JsonNode properties = JsonMapper.builder().build().readTree(in).path("properties");
                for (JsonNode property : properties) {
                    String name = property.get("name").asString();
                    names.add(environmentName(name, ""));
                    names.add(environmentName(name, "_"));
                }
            }
        }
        return names;
    }

    /**
     * Spring's mappings of a property to an environment variable name: dots become underscores and
     * dashes go away ({@code SPRING_MAIN_LOGSTARTUPINFO}) or, in the legacy form it also accepts,
     * become underscores too.
     */
    private static String environmentName(String property, String dash) {
        return property.replace('.', '_').replace("-", dash).toUpperCase(Locale.ROOT);
    }

    private static Map<String, Object> ownConfiguration(String service) throws IOException {
        try (InputStream in = ComposeFileTests.class.getClassLoader().getResourceAsStream(service + ".yaml")) {
            assertThat(in).as("%s.yaml on the classpath", service).isNotNull();
            return map(new Yaml().load(in));
        }
    }

    private static Map<String, Object> load(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return map(new Yaml().load(in));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    private static List<String> list(Object value) {
        List<String> values = new ArrayList<>();
        if (value instanceof List<?> items) {
            items.forEach(item -> values.add(String.valueOf(item)));
        }
        return values;
    }
}
