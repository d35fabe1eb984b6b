package dev.tributary.submission.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.submission.intake.DagValidator.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DagValidatorTests {

    private static List<FieldError> validate(Node... tasks) {
        return DagValidator.validate(List.of(tasks), 1000);
    }

    @Test
    void acceptsADiamond() {
        assertThat(validate(Node.of("a"), Node.of("b", "a"), Node.of("c", "a"), Node.of("d", "b", "c")))
                .isEmpty();
    }

    @Test
    void acceptsTasksListedBeforeTheirDependencies() {
        assertThat(validate(Node.of("late", "early"), Node.of("early"))).isEmpty();
    }

    @Test
    void reportsACycleWithItsPathInRunOrder() {
        List<FieldError> errors = validate(Node.of("a", "c"), Node.of("b", "a"), Node.of("c", "b"));

        assertThat(errors)
                .containsExactly(new FieldError(
                        "/tasks/0/dependsOn/0",
                        "creates the dependency cycle a → b → c → a (x → y means y depends on x)"));
    }

    @Test
    void reportsATwoTaskCycle() {
        List<FieldError> errors = validate(Node.of("x"), Node.of("p", "x", "q"), Node.of("q", "p"));

        assertThat(errors).singleElement().satisfies(error -> {
            assertThat(error.pointer()).isEqualTo("/tasks/1/dependsOn/1");
            assertThat(error.reason()).contains("p → q → p");
        });
    }

    @Test
    void reportsTheShortestCycleThroughTheFirstTask() {
        // a waits for d; d waits for c and a; c waits for b; b waits for a: cycles a→d→a and a→b→c→d→a
        List<FieldError> errors =
                validate(Node.of("a", "d"), Node.of("b", "a"), Node.of("c", "b"), Node.of("d", "c", "a"));

        assertThat(errors)
                .singleElement()
                .satisfies(error -> assertThat(error.reason()).contains("a → d → a"));
    }

    @Test
    void reportsEachIndependentCycleOnce() {
        List<FieldError> errors =
                validate(Node.of("a", "b"), Node.of("b", "a"), Node.of("c", "b", "d"), Node.of("d", "c"));

        assertThat(errors)
                .extracting(FieldError::reason)
                .satisfiesExactly(
                        first -> assertThat(first).contains("a → b → a"),
                        second -> assertThat(second).contains("c → d → c"));
    }

    @Test
    void elidesTheMiddleOfAVeryLongCycle() {
        List<Node> ring = new ArrayList<>();
        int size = 50;
        for (int i = 0; i < size; i++) {
            ring.add(Node.of("t" + i, "t" + ((i + size - 1) % size)));
        }

        List<FieldError> errors = DagValidator.validate(ring, 1000);

        assertThat(errors).singleElement().satisfies(error -> {
            assertThat(error.reason()).startsWith("creates the dependency cycle t0 → t1 → t2");
            assertThat(error.reason()).contains("more …").contains("→ t0 (");
            assertThat(error.reason().length()).isLessThan(300);
        });
    }

    @Test
    void handlesLongChainsWithoutRecursion() {
        List<Node> chain = new ArrayList<>();
        int size = 20_000;
        chain.add(Node.of("t0", "t" + (size - 1)));
        for (int i = 1; i < size; i++) {
            chain.add(Node.of("t" + i, "t" + (i - 1)));
        }

        List<FieldError> errors = DagValidator.validate(chain, size);

        assertThat(errors)
                .singleElement()
                .satisfies(error -> assertThat(error.pointer()).isEqualTo("/tasks/0/dependsOn/0"));
    }

    @Test
    void reportsAMissingDependencyAtItsEntry() {
        assertThat(validate(Node.of("a"), Node.of("b", "a", "ghost")))
                .containsExactly(
                        new FieldError("/tasks/1/dependsOn/1", "names task \"ghost\", which is not in this workflow"));
    }

    @Test
    void reportsASelfDependencyAndNoCycleForIt() {
        assertThat(validate(Node.of("a"), Node.of("b", "a", "b")))
                .containsExactly(new FieldError("/tasks/1/dependsOn/1", "task \"b\" cannot depend on itself"));
    }

    @Test
    void reportsEveryDuplicateIdAgainstTheFirstOccurrence() {
        assertThat(validate(Node.of("a"), Node.of("b"), Node.of("a"), Node.of("a")))
                .extracting(FieldError::pointer, FieldError::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "/tasks/2/id", "duplicates the id \"a\" of /tasks/0; task ids must be unique"),
                        org.assertj.core.groups.Tuple.tuple(
                                "/tasks/3/id", "duplicates the id \"a\" of /tasks/0; task ids must be unique"));
    }

    @Test
    void reportsMoreTasksThanTheMaximum() {
        List<Node> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tasks.add(Node.of("t" + i));
        }

        assertThat(DagValidator.validate(tasks, 5))
                .containsExactly(new FieldError("/tasks", "has 6 tasks; at most 5 are allowed"));
        assertThat(DagValidator.validate(tasks, 6)).isEmpty();
    }

    @Test
    void skipsIdsAndDependenciesThatAreNotStrings() {
        assertThat(DagValidator.validate(
                        List.of(new Node(null, List.of()), new Node("b", Arrays.asList(null, "b"))), 10))
                .containsExactly(new FieldError("/tasks/1/dependsOn/1", "task \"b\" cannot depend on itself"));
    }

    @Test
    void quotesLongIdsTruncated() {
        String longId = "x".repeat(500);

        List<FieldError> errors = validate(Node.of("a", longId));

        assertThat(errors)
                .singleElement()
                .satisfies(error -> assertThat(error.reason())
                        .contains("\"" + "x".repeat(Snippets.MAX_CHARS) + "…\"")
                        .hasSizeLessThan(120));
    }
}
