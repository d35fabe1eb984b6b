package dev.tributary.submission.kafkaintake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tributary.events.codec.EventCodec;
import dev.tributary.submission.intake.FieldError;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SubmissionDeadLettersTests {

    @Test
    void errorsHeaderIsAJsonArrayOfPointerAndReason() {
        JsonNode errors = parse(SubmissionDeadLetters.errorsJson(
                List.of(new FieldError("/tasks/0/type", "must be lower-case"), new FieldError("", "is \"quoted\""))));

        assertThat(errors.size()).isEqualTo(2);
        assertThat(errors.get(0).get("pointer").asString()).isEqualTo("/tasks/0/type");
        assertThat(errors.get(0).get("reason").asString()).isEqualTo("must be lower-case");
        assertThat(errors.get(1).get("reason").asString()).isEqualTo("is \"quoted\"");
    }

    @Test
    void manyErrorsAreCutWithALastEntrySayingHowManyWereLeftOut() {
        List<FieldError> many = IntStream.range(0, 1000)
                .mapToObj(i -> new FieldError("/tasks/" + i + "/id", "is taken by another task"))
                .toList();

        String json = SubmissionDeadLetters.errorsJson(many);
        JsonNode errors = parse(json);

        assertThat(errors.size()).isEqualTo(SubmissionDeadLetters.MAX_ERRORS + 1);
        assertThat(errors.get(SubmissionDeadLetters.MAX_ERRORS).get("reason").asString())
                .isEqualTo("… and 900 more errors");
        assertThat(json.getBytes(StandardCharsets.UTF_8).length).isLessThan(SubmissionDeadLetters.MAX_ERRORS_BYTES);
    }

    @Test
    void summaryNamesTheCodeTheFirstProblemAndHowManyMore() {
        Rejection rejection = new Rejection(
                ReasonCode.INVALID,
                List.of(new FieldError("/tasks/1/dependsOn/0", "names task \"x\""), new FieldError("/name", "blank")),
                null);

        assertThat(rejection.summary()).isEqualTo("INVALID: /tasks/1/dependsOn/0 names task \"x\" (+1 more)");
        assertThat(Rejection.of(ReasonCode.TOO_LARGE, "", "is big").summary()).isEqualTo("TOO_LARGE: (value) is big");
    }

    private static JsonNode parse(String json) {
        JsonNode node = EventCodec.json().readTree(json.getBytes(StandardCharsets.UTF_8));
        assertThat(node.isArray()).isTrue();
        return node;
    }
}
