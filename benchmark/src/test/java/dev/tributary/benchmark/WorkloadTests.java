package dev.tributary.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadTests {

    @Test
    void aFanHasOneRootParallelBranchesAndAJoinOnAllOfThem() {
        Workload fan = Workload.of("fan", 10, "noop", 0, 1);

        assertThat(fan.size()).isEqualTo(10);
        assertThat(fan.parents().getFirst()).isEmpty();
        assertThat(fan.parents().subList(1, 9)).allMatch(parents -> parents.equals(List.of(0)));
        assertThat(fan.parents().get(9)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    }

    @Test
    void aChainDependsOnThePreviousTaskAndADiamondJoinsTwoChains() {
        assertThat(Workload.of("chain", 3, "noop", 0, 1).parents()).containsExactly(List.of(), List.of(0), List.of(1));
        Workload diamond = Workload.of("diamond", 6, "noop", 0, 1);
        assertThat(diamond.taskIds()).containsExactly("root", "l0", "l1", "r0", "r1", "join");
        assertThat(diamond.parents().get(5)).containsExactly(2, 4);
    }

    @Test
    void aRandomDagIsTheSameForTheSameSeedAndOnlyDependsOnEarlierTasks() {
        Workload first = Workload.of("random", 20, "noop", 0, 7);
        Workload again = Workload.of("random", 20, "noop", 0, 7);

        assertThat(again.parents()).isEqualTo(first.parents());
        assertThat(first.size()).isEqualTo(20);
        for (int task = 0; task < first.size(); task++) {
            int index = task;
            assertThat(first.parents().get(task)).allMatch(parent -> parent < index);
        }
        assertThat(first.parents().stream().filter(List::isEmpty)).isNotEmpty();
    }

    @Test
    void sleepTasksCarryTheirDurationInTheSubmission() {
        String json = Workload.of("chain", 2, "sleep", 25, 1).json("wf-1");

        assertThat(json)
                .startsWith("{\"id\":\"wf-1\"")
                .contains("{\"id\":\"t0\",\"type\":\"sleep\",\"input\":{\"duration\":25}}")
                .contains("\"dependsOn\":[\"t0\"]");
    }

    @Test
    void rejectsAnUnknownShape() {
        assertThatThrownBy(() -> Workload.of("star", 5, "noop", 0, 1)).hasMessageContaining("star");
    }
}
