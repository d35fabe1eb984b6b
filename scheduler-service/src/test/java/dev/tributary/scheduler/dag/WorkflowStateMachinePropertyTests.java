package dev.tributary.scheduler.dag;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random DAGs of 200 tasks run through {@link Simulation}: workers finish tasks in random order,
 * the relay returns the scheduler's own events late, and earlier events are redelivered. The
 * simulation itself asserts at every release that all dependencies had succeeded and that the
 * dispatch carries their outputs.
 */
class WorkflowStateMachinePropertyTests {

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 25);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void everyTaskOfARandomDagRunsExactlyOnceAndOnlyAfterItsDependencies(long seed) {
        Simulation simulation = new Simulation(seed, 200).run();

        WorkflowRun run = simulation.finalRun();
        assertThat(run.status()).isEqualTo(WorkflowStatus.SUCCEEDED);
        assertThat(run.tasks()).hasSize(200);
        assertThat(run.tasks().values()).allSatisfy(task -> {
            assertThat(task.status()).isEqualTo(TaskStatus.SUCCEEDED);
            assertThat(task.attempt()).isEqualTo(1);
            assertThat(task.dispatchLogged()).isTrue();
        });
        assertThat(simulation.executions)
                .hasSize(200)
                .allSatisfy((task, count) ->
                        assertThat(count).as("executions of %s", task).isEqualTo(1));
        assertThat(simulation.workflowSucceededDecisions).isEqualTo(1);
        assertThat(run.outcomeLogged()).isTrue();
    }
}
