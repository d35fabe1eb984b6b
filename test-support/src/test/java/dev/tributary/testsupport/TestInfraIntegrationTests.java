package dev.tributary.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.embedded.EmbeddedKafkaBroker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

class TestInfraIntegrationTests {

    @Test
    void sharesOneRunningKafkaBrokerThatCreatesTopics() throws Exception {
        EmbeddedKafkaBroker broker = TestInfra.kafka();
        String topic = TestInfra.uniqueName("shared");

        broker.createTopic(topic, 2, Map.of());

        assertThat(TestInfra.kafka()).isSameAs(broker);
        assertThat(broker.isRunning()).isTrue();
        assertThat(broker.bootstrapServers()).isEqualTo("localhost:" + broker.port());
        try (Admin admin = broker.admin()) {
            var description = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(60, TimeUnit.SECONDS)
                    .get(topic);
            assertThat(description.partitions()).hasSize(2);
        }
    }
}
