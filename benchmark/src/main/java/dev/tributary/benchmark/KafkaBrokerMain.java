package dev.tributary.benchmark;

import dev.tributary.embedded.EmbeddedKafkaBroker;
import java.io.IOException;

/**
 * The Kafka broker as a process of its own (the embedded KRaft broker), so that its CPU is
 * measured apart from the harness. Prints {@code BOOTSTRAP <servers>} once it serves and stops
 * when its standard input closes or it is terminated.
 */
public final class KafkaBrokerMain {

    private KafkaBrokerMain() {}

    public static void main(String[] args) throws IOException {
        if (org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)
                instanceof ch.qos.logback.classic.Logger root) {
            root.setLevel(ch.qos.logback.classic.Level.WARN);
        }
        EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.builder().autoCreateTopics(false).build().start();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "kafka-stop"));
        System.out.println("BOOTSTRAP " + broker.bootstrapServers());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to go away
        }
        broker.close();
    }
}
