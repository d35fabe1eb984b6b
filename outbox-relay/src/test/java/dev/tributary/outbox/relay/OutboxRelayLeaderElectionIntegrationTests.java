package dev.tributary.outbox.relay;

import static dev.tributary.testsupport.KafkaTestConsumer.headerValues;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tributary.events.Headers;
import dev.tributary.testsupport.KafkaTestConsumer;
import dev.tributary.testsupport.TestInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Two relay instances on one outbox: one relays, the other takes over when the leader's lock connection dies. */
class OutboxRelayLeaderElectionIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void standbyTakesOverWhenTheLeadersLockConnectionIsKilledAndNothingIsLost() {
        OutboxTestDatabase database = OutboxTestDatabase.create("relay_leader");
        String topic = TestInfra.uniqueName("relay_leader_events");
        OutboxTestDatabase.createTopic(topic, 3);
        OutboxRelayProperties properties = database.properties(TestInfra.uniqueName("leader"), Map.of());
        SimpleMeterRegistry firstMeters = new SimpleMeterRegistry();
        SimpleMeterRegistry secondMeters = new SimpleMeterRegistry();
        OutboxRelay first = database.relay(properties, firstMeters);
        OutboxRelay second = database.relay(properties, secondMeters);
        try {
            first.start();
            await().atMost(WAIT).until(first::isRelaying);
            second.start();
            List<UUID> written = new CopyOnWriteArrayList<>(database.commitMany(topic, 100));

            try (var consumer =
                    KafkaTestConsumer.fromBeginning(TestInfra.kafka().bootstrapServers(), topic)) {
                consumer.awaitHeaderValues(Headers.CE_ID, asStrings(written), WAIT);
                assertThat(first.isLeader()).isTrue();
                assertThat(second.isLeader()).isFalse();
                assertThat(relayed(secondMeters)).isZero();
                await().atMost(WAIT).until(() -> relayed(firstMeters) >= 100);

                CompletableFuture<Void> writer =
                        CompletableFuture.runAsync(() -> written.addAll(database.commitMany(topic, 200)));
                await().atMost(WAIT).until(() -> written.size() >= 150);
                OutboxTestDatabase.terminateBackend(first.lockBackendPid());

                await().atMost(WAIT).until(second::isRelaying);
                // The old leader notices its dead lock connection at its next check (every second);
                // until then the replication slot, which only one walsender can hold, fences it.
                await().atMost(WAIT).until(() -> !first.isLeader());
                writer.join();
                written.addAll(database.commitMany(topic, 20));

                List<ConsumerRecord<byte[], byte[]>> records =
                        consumer.awaitHeaderValues(Headers.CE_ID, asStrings(written), WAIT);
                assertThat(new HashSet<>(headerValues(records, Headers.CE_ID))).isEqualTo(asStrings(written));
                await().atMost(WAIT).until(() -> relayed(secondMeters) > 0);
                assertThat(first.isLeader()).isFalse();
                assertThat(second.isLeader()).isTrue();
            }
        } finally {
            first.stop();
            second.stop();
            OutboxTestDatabase.dropSlot(properties.slotName());
        }
    }

    private static double relayed(SimpleMeterRegistry meters) {
        return meters.get(RelayMetrics.RELAYED).counter().count();
    }

    private static Set<String> asStrings(List<UUID> ids) {
        Set<String> strings = new HashSet<>();
        ids.forEach(id -> strings.add(id.toString()));
        return strings;
    }
}
