package dev.tributary.submission.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tributary.submission.query.InvalidQueryException.ParameterError;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkflowListQueryTests {

    @Test
    void noParametersMeanEveryWorkflowFiftyAtATime() {
        WorkflowListQuery query = WorkflowListQuery.parse(null, null, null, null, null);

        assertThat(query.statuses()).isEmpty();
        assertThat(query.name()).isNull();
        assertThat(query.labels()).isEmpty();
        assertThat(query.limit()).isEqualTo(50);
        assertThat(query.after()).isNull();
    }

    @Test
    void statusesAreRepeatableCommaSeparatedAndCaseInsensitive() {
        WorkflowListQuery query =
                WorkflowListQuery.parse(List.of("running,Failed", "SUCCEEDED"), null, null, "500", null);

        assertThat(query.statuses())
                .containsExactlyInAnyOrder(WorkflowStatus.RUNNING, WorkflowStatus.FAILED, WorkflowStatus.SUCCEEDED);
        assertThat(query.limit()).isEqualTo(500);
    }

    @Test
    void labelsSplitAtTheFirstColon() {
        WorkflowListQuery query = WorkflowListQuery.parse(
                null, "nightly", List.of("team:checkout", "url:http://x:1", "empty:"), null, null);

        assertThat(query.name()).isEqualTo("nightly");
        assertThat(query.labels())
                .containsExactly(Map.entry("team", "checkout"), Map.entry("url", "http://x:1"), Map.entry("empty", ""));
    }

    @Test
    void everyBadParameterIsReportedByName() {
        InvalidQueryException e = catchThrowableOfType(
                InvalidQueryException.class,
                () -> WorkflowListQuery.parse(List.of("RUNNING,DONE"), "", List.of("nocolon", ":x"), "0", "%%%"));

        assertThat(e.errors())
                .extracting(ParameterError::parameter)
                .containsExactly("status", "label", "label", "limit", "after", "name");
        assertThat(e.errors().getFirst().reason()).contains("'DONE'").contains("RUNNING");
        assertThat(e.errors().get(3).reason()).contains("between 1 and 500");
    }

    @Test
    void limitMustBeAnIntegerWithinRange() {
        for (String bad : List.of("abc", "501", "-1", "1.5", "")) {
            InvalidQueryException e = catchThrowableOfType(
                    InvalidQueryException.class, () -> WorkflowListQuery.parse(null, null, null, bad, null));
            assertThat(e.errors()).as(bad).extracting(ParameterError::parameter).containsExactly("limit");
        }
    }

    @Test
    void aCursorRoundTripsExactlyAndForeignTokensAreRefused() {
        PageCursor cursor = new PageCursor(Instant.parse("2026-11-27T22:22:04.198961Z"), "order|4711:x");

        assertThat(PageCursor.decode(cursor.encode())).contains(cursor);
        assertThat(WorkflowListQuery.parse(null, null, null, null, cursor.encode())
                        .after())
                .isEqualTo(cursor);
        for (String bad : List.of("", "not base64!", b64("v2|1|x"), b64("v1|abc|x"), b64("v1|1|"), b64("v1|1"))) {
            assertThat(PageCursor.decode(bad)).as(bad).isEmpty();
        }
    }

    private static String b64(String plain) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }
}
