package dev.tributary.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

class ConsumerGroupTests {

    private static ConsumerGroup group(Map<String, Object> config) {
        return new ConsumerGroup(
                new ConsumerGroup.Settings(
                        "scheduler",
                        "history",
                        "history consumer",
                        "events",
                        "group",
                        2,
                        100,
                        Duration.ofSeconds(1),
                        Duration.ofSeconds(1),
                        false),
                config,
                () -> (records, stored) -> Map.of(),
                new OffsetStore(new JdbcTemplate(), "consumer_offset"));
    }

    @Test
    void staticMembershipGetsOneInstanceIdPerConsumerThread() {
        ConsumerGroup group = group(Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "scheduler-a"));

        List<Object> ids = List.of(
                group.consumerConfig(0).get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
                group.consumerConfig(1).get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));

        assertThat(ids).containsExactly("scheduler-a-history-0", "scheduler-a-history-1");
    }

    @Test
    void withoutAnInstanceIdTheConsumersAreDynamicMembers() {
        Map<String, Object> config = group(Map.of()).consumerConfig(0);

        assertThat(config).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        assertThat(config)
                .containsEntry(ConsumerConfig.GROUP_ID_CONFIG, "group")
                .containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
                .containsEntry(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-scheduler-history-0");
    }
}
