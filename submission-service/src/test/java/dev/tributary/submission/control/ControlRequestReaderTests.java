package dev.tributary.submission.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tributary.submission.intake.FieldError;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class ControlRequestReaderTests {

    @Test
    void anEmptyBodyOrOneWithoutAReasonGivesNone() throws IOException {
        assertThat(read("")).isNull();
        assertThat(read(" \n")).isNull();
        assertThat(read("{}")).isNull();
        assertThat(read("{\"reason\": null}")).isNull();
    }

    @Test
    void aReasonOfUpToAThousandCharactersIsTaken() throws IOException {
        assertThat(read("{\"reason\": \"no longer needed\"}")).isEqualTo("no longer needed");
        assertThat(read("{\"reason\": \"" + "é".repeat(1000) + "\"}")).hasSize(1000);
    }

    @Test
    void everyBadMemberIsNamedByItsPointer() {
        assertThatThrownBy(() -> read("{\"reason\": 5, \"force\": true, \"a/b\": 1}"))
                .isInstanceOfSatisfying(
                        InvalidControlRequestException.class,
                        e -> assertThat(e.errors())
                                .extracting(FieldError::pointer)
                                .containsExactly("/reason", "/force", "/a~1b"));
        assertThatThrownBy(() -> read("{\"reason\": \"" + "x".repeat(1001) + "\"}"))
                .isInstanceOfSatisfying(
                        InvalidControlRequestException.class,
                        e -> assertThat(e.errors()).singleElement().satisfies(error -> {
                            assertThat(error.pointer()).isEqualTo("/reason");
                            assertThat(error.reason()).contains("1001").contains("at most 1000");
                        }));
        assertThatThrownBy(() -> read("{\"reason\": \"a\\u0000b\"}"))
                .isInstanceOfSatisfying(
                        InvalidControlRequestException.class,
                        e -> assertThat(e.errors().getFirst().reason()).contains("NUL"));
    }

    @Test
    void aBodyThatIsNotAJsonObjectIsRefusedAsAWhole() {
        for (String body : new String[] {"{\"reason\": ", "\"why\"", "[1]", "{} {}", "x".repeat(20_000)}) {
            assertThatThrownBy(() -> read(body))
                    .as(body.length() > 40 ? body.substring(0, 40) : body)
                    .isInstanceOfSatisfying(
                            InvalidControlRequestException.class,
                            e -> assertThat(e.errors())
                                    .singleElement()
                                    .extracting(FieldError::pointer)
                                    .isEqualTo(""));
        }
    }

    private static @Nullable String read(String body) throws IOException {
        return ControlRequestReader.reason(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }
}
