package dev.tributary.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.Topics;
import dev.tributary.worker.execution.TaskWorker;
import dev.tributary.worker.handler.EchoTaskHandler;
import dev.tributary.worker.handler.TaskContext;
import dev.tributary.worker.handler.TaskHandler;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** What the auto-configuration contributes to an application (consumers not started). */
class WorkerAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, WorkerAutoConfiguration.class))
            .withPropertyValues("tributary.worker.auto-startup=false");

    @Configuration(proxyBeanMethods = false)
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
                    return JsonNodeFactory.instance.stringNode("hello");
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SecondEcho {
        @Bean
        TaskHandler myEcho() {
            return new EchoTaskHandler();
        }
    }

    @Test
    void runsTheBuiltInHandlers() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(TaskWorker.class);
            assertThat(context.getBean(TaskWorker.class).taskTypes())
                    .containsExactlyInAnyOrder("noop", "echo", "sleep", "fail", "http");
            assertThat(context.getBean(TaskWorker.class).isRunning()).isFalse();
        });
    }

    @Test
    void runsTheApplicationsOwnHandlerBeansAlongside() {
        runner.withUserConfiguration(UserHandlers.class)
                .run(context -> assertThat(context.getBean(TaskWorker.class).taskTypes())
                        .contains("greet", "noop", "http"));
    }

    @Test
    void eachBuiltInHandlerCanBeTurnedOff() {
        runner.withPropertyValues(
                        "tributary.worker.builtin-handlers.http=false", "tributary.worker.builtin-handlers.sleep=false")
                .run(context -> assertThat(context.getBean(TaskWorker.class).taskTypes())
                        .containsExactlyInAnyOrder("noop", "echo", "fail"));
    }

    @Test
    void twoHandlersForOneTypeFailTheStartupNamingTheType() {
        runner.withUserConfiguration(SecondEcho.class)
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessageContaining("two task handlers for type 'echo'")
                        .hasMessageContaining("tributary.worker.builtin-handlers.echo=false"));
    }

    @Test
    void theUserKeepsTheirOwnHandlerByTurningTheBuiltInOff() {
        runner.withUserConfiguration(SecondEcho.class)
                .withPropertyValues("tributary.worker.builtin-handlers.echo=false")
                .run(context -> assertThat(context.getBean(TaskWorker.class).taskTypes())
                        .contains("echo"));
    }

    @Test
    void theWholeWorkerCanBeTurnedOff() {
        runner.withPropertyValues("tributary.worker.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(TaskWorker.class);
            assertThat(context).doesNotHaveBean(TaskHandler.class);
        });
    }

    @Test
    void bindsDocumentedDefaults() {
        runner.run(context -> {
            WorkerProperties properties = context.getBean(WorkerProperties.class);
            assertThat(properties.concurrency()).isEqualTo(16);
            assertThat(properties.concurrencyOf("http")).isEqualTo(16);
            assertThat(properties.tasksTopic("http")).isEqualTo(Topics.tasks("http"));
            assertThat(properties.eventsTopic()).isEqualTo(Topics.WORKFLOW_EVENTS);
            assertThat(properties.deadLetterTopic()).isEqualTo(Topics.DEAD_LETTERS);
            assertThat(properties.group("http")).isEqualTo("tributary-worker-http");
            assertThat(properties.maxOutputSize()).isEqualTo(DataSize.ofKilobytes(256));
            assertThat(properties.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
            assertThat(properties.http().maxResponseSize()).isEqualTo(DataSize.ofMegabytes(1));
            assertThat(properties.http().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(properties.id()).matches("\\d+@.+");
        });
    }

    @Test
    void bindsOverrides() {
        runner.withPropertyValues(
                        "tributary.worker.id=w-7",
                        "tributary.worker.concurrency=4",
                        "tributary.worker.type-concurrency.http=64",
                        "tributary.worker.tasks-topic-prefix=acme.tasks.")
                .run(context -> {
                    WorkerProperties properties = context.getBean(WorkerProperties.class);
                    assertThat(properties.id()).isEqualTo("w-7");
                    assertThat(properties.concurrencyOf("noop")).isEqualTo(4);
                    assertThat(properties.concurrencyOf("http")).isEqualTo(64);
                    assertThat(properties.tasksTopic("http")).isEqualTo("acme.tasks.http");
                    assertThat(context.getBean(TaskWorker.class).workerId()).isEqualTo("w-7");
                });
    }

    @Test
    void rejectsAConcurrencyBelowOne() {
        runner.withPropertyValues("tributary.worker.concurrency=0")
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessageContaining("tributary.worker.concurrency must be at least 1"));
    }
}
