package dev.tributary.submission.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.events.definition.WorkflowDefinition;
import dev.tributary.events.definition.WorkflowSubmission;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CanonicalDefinitionTests {

    private static CanonicalDefinition canonical(String json) {
        return CanonicalDefinition.of(definition(json));
    }

    private static WorkflowDefinition definition(String json) {
        return EventCodec.json()
                .decode(json.getBytes(StandardCharsets.UTF_8), WorkflowSubmission.class)
                .definition();
    }

    @Test
    void memberOrderWhitespaceAndDurationSpellingDoNotChangeTheHash() {
        CanonicalDefinition a = canonical("""
                {"name": "n", "input": {"x": 1, "y": [1, 2]}, "timeout": "PT60S",
                 "tasks": [{"id": "a", "type": "t"}]}
                """);
        CanonicalDefinition b = canonical("""
                {"tasks":[{"type":"t","id":"a"}],"timeout":"PT1M","input":{"y":[1,2],"x":1},"name":"n"}
                """);

        assertThat(a.sha256()).isEqualTo(b.sha256()).hasSize(64);
        assertThat(a.json()).isEqualTo(b.json());
    }

    @Test
    void arrayOrderAndValuesDo() {
        CanonicalDefinition a = canonical("{\"name\":\"n\",\"input\":[1,2],\"tasks\":[{\"id\":\"a\",\"type\":\"t\"}]}");
        CanonicalDefinition b = canonical("{\"name\":\"n\",\"input\":[2,1],\"tasks\":[{\"id\":\"a\",\"type\":\"t\"}]}");

        assertThat(a.sha256()).isNotEqualTo(b.sha256());
        assertThat(b.differencesFrom(a.tree())).containsExactly("input differs");
    }

    @Test
    void namesAddedRemovedAndChangedTasks() {
        CanonicalDefinition stored = canonical("""
                {"name": "n", "tasks": [{"id": "a", "type": "t"}, {"id": "b", "type": "t"}, {"id": "c", "type": "t"}]}
                """);
        CanonicalDefinition submitted = canonical("""
                {"name": "m", "tasks": [{"id": "a", "type": "t"}, {"id": "b", "type": "u"}, {"id": "d", "type": "t"}]}
                """);

        assertThat(submitted.differencesFrom(stored.tree()))
                .containsExactly("name differs", "tasks added: d", "tasks removed: c", "tasks changed: b");
    }

    @Test
    void namesAReorderingOfTasks() {
        CanonicalDefinition stored =
                canonical("{\"name\":\"n\",\"tasks\":[{\"id\":\"a\",\"type\":\"t\"},{\"id\":\"b\",\"type\":\"t\"}]}");
        CanonicalDefinition submitted =
                canonical("{\"name\":\"n\",\"tasks\":[{\"id\":\"b\",\"type\":\"t\"},{\"id\":\"a\",\"type\":\"t\"}]}");

        assertThat(submitted.differencesFrom(stored.tree())).containsExactly("task order differs");
    }
}
