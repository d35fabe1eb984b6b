package dev.tributary.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** docs/configuration.md lists every {@code tributary.*} property the services declare. */
class ConfigurationReferenceTests {

    @Test
    void referenceNamesEveryDeclaredProperty() throws IOException {
        Set<String> declared = new TreeSet<>();
        for (URL url : Collections.list(ConfigurationReferenceTests.class
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                for (JsonNode property :
                        JsonMapper.builder().build().readTree(in).path("properties")) {
                    String name = property.get("name").asString();
                    if (name.startsWith("tributary.")) {
                        declared.add(name);
                    }
                }
            }
        }
        assertThat(declared)
                .as("tributary properties in the configuration metadata")
                .anyMatch(name -> name.startsWith("tributary.submission."))
                .anyMatch(name -> name.startsWith("tributary.scheduler."))
                .anyMatch(name -> name.startsWith("tributary.worker."))
                .anyMatch(name -> name.startsWith("tributary.outbox."));
        String reference = Files.readString(Path.of("../../docs/configuration.md"));
        assertThat(declared)
                .as("properties missing from docs/configuration.md (run scripts/configuration-reference.py)")
                .allMatch(name -> reference.contains("`" + name + "`"));
    }
}
