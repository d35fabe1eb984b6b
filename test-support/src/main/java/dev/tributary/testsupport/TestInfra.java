package dev.tributary.testsupport;

import dev.tributary.embedded.EmbeddedKafkaBroker;
import dev.tributary.embedded.EmbeddedPostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/** The per-JVM servers. Thread-safe; each server starts once, on first use. */
public final class TestInfra {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static volatile EmbeddedPostgresServer postgres;
    private static volatile EmbeddedKafkaBroker kafka;

    private TestInfra() {}

    /** The shared PostgreSQL server ({@code wal_level=logical}, {@code synchronous_commit=on}). */
    public static EmbeddedPostgresServer postgres() {
        EmbeddedPostgresServer server = postgres;
        if (server == null) {
            synchronized (TestInfra.class) {
                server = postgres;
                if (server == null) {
                    server = EmbeddedPostgresServer.startTemporary();
                    EmbeddedPostgresServer started = server;
                    Runtime.getRuntime().addShutdownHook(new Thread(started::close, "embedded-postgres-stop"));
                    postgres = server;
                }
            }
        }
        return server;
    }

    /** The shared Kafka broker. Tests that stop it must start it again before they end. */
    public static EmbeddedKafkaBroker kafka() {
        EmbeddedKafkaBroker broker = kafka;
        if (broker == null) {
            synchronized (TestInfra.class) {
                broker = kafka;
                if (broker == null) {
                    broker = EmbeddedKafkaBroker.builder().build().start();
                    EmbeddedKafkaBroker started = broker;
                    Runtime.getRuntime().addShutdownHook(new Thread(started::close, "embedded-kafka-stop"));
                    kafka = broker;
                }
            }
        }
        return broker;
    }

    /**
     * A fresh database on the shared server, named after the prefix and unique in this JVM run;
     * returns its JDBC URL. Use one per Spring context or test class.
     */
    public static String newDatabase(String prefix) {
        String name = uniqueName(prefix);
        postgres().createDatabase(name);
        return postgres().jdbcUrl(name);
    }

    /** A lower-case identifier unique in this JVM run, usable as database, schema or topic suffix. */
    public static String uniqueName(String prefix) {
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        return clean + "_" + COUNTER.incrementAndGet() + "_" + suffix;
    }

    /** A loopback port free right now, for a server the test starts (another process may take it). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
