package dev.tributary.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AnalysisTests {

    @Test
    void aStepWhoseBacklogDoesNotGrowInItsSecondHalfIsFlat() {
        assertThat(Analysis.flat(10, 300, 40, 45, 0, 0.1)).isEmpty();
    }

    @Test
    void aStepIsNotFlatWhenTheInFlightCountGrowsInItsSecondHalf() {
        // 15 allowed (10 % of 150 second-half arrivals) + 10 (one second of arrivals).
        assertThat(Analysis.flat(10, 300, 40, 66, 0, 0.1)).contains("in flight grew 40 → 66");
        assertThat(Analysis.flat(10, 300, 40, 65, 0, 0.1)).isEmpty();
    }

    @Test
    void aStepWithRejectedSubmissionsIsNotFlat() {
        assertThat(Analysis.flat(10, 300, 40, 40, 3, 0.1)).contains("3 submissions rejected");
    }
}
