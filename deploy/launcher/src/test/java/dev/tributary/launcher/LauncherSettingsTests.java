package dev.tributary.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LauncherSettingsTests {

    @Test
    void runsAllThreeServicesWhenNoneAreNamed() {
        assertThat(LauncherSettings.fromEnvironment(Map.of()).services())
                .containsExactly("submission-service", "scheduler-service", "worker-service");
        assertThat(LauncherSettings.fromEnvironment(Map.of("TRIBUTARY_SERVICES", "  "))
                        .services())
                .containsExactly("submission-service", "scheduler-service", "worker-service");
    }

    @Test
    void runsOnlyTheNamedServiceInOneServiceMode() {
        LauncherSettings settings = LauncherSettings.fromEnvironment(Map.of("TRIBUTARY_SERVICES", "scheduler-service"));

        assertThat(settings.services()).containsExactly("scheduler-service");
        assertThat(settings.runs("scheduler-service")).isTrue();
        assertThat(settings.runs("worker-service")).isFalse();
    }

    @Test
    void acceptsShortCaseInsensitiveNamesAndStartsThemInSystemOrder() {
        assertThat(LauncherSettings.fromEnvironment(Map.of("TRIBUTARY_SERVICES", " Worker, submission ,,worker"))
                        .services())
                .containsExactly("submission-service", "worker-service");
    }

    @Test
    void rejectsAnUnknownServiceNamingItAndTheKnownOnes() {
        assertThatThrownBy(() -> LauncherSettings.fromEnvironment(Map.of("TRIBUTARY_SERVICES", "scheduler,relay")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TRIBUTARY_SERVICES")
                .hasMessageContaining("'relay'")
                .hasMessageContaining("submission-service,scheduler-service,worker-service");
    }

    @Test
    void embedsNeitherKafkaNorPostgresWhenBothAreExternal() {
        LauncherSettings settings = LauncherSettings.fromEnvironment(Map.of(
                "TRIBUTARY_KAFKA_BOOTSTRAP_SERVERS", "localhost:19092",
                "TRIBUTARY_DATASOURCE_URL", "jdbc:postgresql://localhost:25432/tributary",
                "TRIBUTARY_SERVICES", "worker"));

        assertThat(settings.externalKafka()).isEqualTo("localhost:19092");
        assertThat(settings.externalJdbcUrl()).isEqualTo("jdbc:postgresql://localhost:25432/tributary");
        assertThat(settings.services()).containsExactly("worker-service");
    }

    @Test
    void rejectsAPortThatIsNotANumber() {
        assertThatThrownBy(() -> LauncherSettings.fromEnvironment(Map.of("TRIBUTARY_WORKER_PORT", "eighty")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TRIBUTARY_WORKER_PORT");
    }
}
