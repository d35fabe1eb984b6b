package dev.tributary.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * A corpus of bad submissions: each is answered with the right status, a problem document and the
 * expected field error, and none leaves a row behind.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadSubmissionIntegrationTests {

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        SubmissionDatabase.register(registry, "submission_bad");
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcTemplate jdbc;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    /**
     * One bad request.
     *
     * @param body the request body; single quotes stand for double quotes
     */
    record Case(String name, String body, int status, String pointer, String reason) {

        byte[] bytes() {
            return body.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final String TASK = "{'id':'a','type':'t'}";

    static List<Case> corpus() {
        List<Case> cases = new ArrayList<>();
        // 400: not JSON, or the wrong JSON type
        cases.add(new Case("not JSON", "hello", 400, "", "is not well-formed JSON"));
        cases.add(new Case("empty body", "", 400, "", "is empty"));
        cases.add(new Case(
                "truncated document",
                "{'name':'n','tasks':[" + TASK,
                400,
                "/tasks/0",
                "not well-formed JSON: Unexpected end-of-input"));
        cases.add(new Case(
                "trailing content",
                "{'name':'n','tasks':[" + TASK + "]} {}",
                400,
                "",
                "content follows the end of the JSON document"));
        cases.add(new Case(
                "duplicate member", "{'name':'a','name':'b','tasks':[" + TASK + "]}", 400, "/name", "Duplicate"));
        cases.add(
                new Case("array instead of object", "[" + TASK + "]", 400, "", "must be a JSON object, not an array"));
        cases.add(new Case(
                "name is a number",
                "{'name':5,'tasks':[" + TASK + "]}",
                400,
                "/name",
                "must be a string, not the number 5"));
        cases.add(
                new Case("tasks is an object", "{'name':'n','tasks':" + TASK + "}", 400, "/tasks", "must be an array"));
        cases.add(new Case(
                "task is null", "{'name':'n','tasks':[null]}", 400, "/tasks/0", "must be a JSON object, not null"));
        cases.add(new Case(
                "maxAttempts is a string",
                task("'retry':{'maxAttempts':'3'}"),
                400,
                "/tasks/0/retry/maxAttempts",
                "must be an integer"));
        cases.add(new Case(
                "dependsOn is a string",
                "{'name':'n','tasks':[" + TASK + ",{'id':'b','type':'t','dependsOn':'a'}]}",
                400,
                "/tasks/1/dependsOn",
                "must be an array"));
        cases.add(new Case(
                "timeout in seconds",
                "{'name':'n','timeout':30,'tasks':[" + TASK + "]}",
                400,
                "/timeout",
                "must be a string"));
        cases.add(new Case(
                "label value is a number",
                "{'name':'n','labels':{'team':7},'tasks':[" + TASK + "]}",
                400,
                "/labels/team",
                "must be a string"));
        // 422: valid JSON that breaks a rule
        cases.add(new Case(
                "empty task list", "{'name':'n','tasks':[]}", 422, "/tasks", "must contain at least one task"));
        cases.add(new Case("tasks missing", "{'name':'n'}", 422, "/tasks", "is required"));
        cases.add(new Case("name missing", "{'tasks':[" + TASK + "]}", 422, "/name", "is required"));
        cases.add(new Case("blank name", "{'name':'   ','tasks':[" + TASK + "]}", 422, "/name", "not blank"));
        cases.add(new Case(
                "task type missing", "{'name':'n','tasks':[{'id':'a'}]}", 422, "/tasks/0/type", "is required"));
        cases.add(new Case(
                "unknown field",
                "{'name':'n','priority':1,'tasks':[" + TASK + "]}",
                422,
                "/priority",
                "is not a known field"));
        cases.add(new Case("unknown task field", task("'after':['b']"), 422, "/tasks/0/after", "is not a known field"));
        cases.add(new Case(
                "unknown retry field",
                task("'retry':{'maxRetries':3}"),
                422,
                "/tasks/0/retry/maxRetries",
                "is not a known field"));
        cases.add(new Case(
                "task id with a space",
                "{'name':'n','tasks':[{'id':'a b','type':'t'}]}",
                422,
                "/tasks/0/id",
                "letters, digits, '_', '.' or '-'"));
        cases.add(new Case(
                "task id too long",
                "{'name':'n','tasks':[{'id':'" + "x".repeat(65) + "','type':'t'}]}",
                422,
                "/tasks/0/id",
                "1 to 64 characters"));
        cases.add(new Case(
                "upper-case task type",
                "{'name':'n','tasks':[{'id':'a','type':'Http.Get'}]}",
                422,
                "/tasks/0/type",
                "lower-case"));
        cases.add(new Case(
                "task type not a topic name",
                "{'name':'n','tasks':[{'id':'a','type':'send mail'}]}",
                422,
                "/tasks/0/type",
                "tributary.tasks.<type>"));
        cases.add(new Case(
                "workflow id with a slash",
                "{'id':'a/b','name':'n','tasks':[" + TASK + "]}",
                422,
                "/id",
                "1 to 128 characters"));
        cases.add(new Case(
                "workflow id too long",
                "{'id':'" + "w".repeat(129) + "','name':'n','tasks':[" + TASK + "]}",
                422,
                "/id",
                "1 to 128 characters"));
        cases.add(new Case(
                "duplicate task ids",
                "{'name':'n','tasks':[" + TASK + "," + TASK + "]}",
                422,
                "/tasks/1/id",
                "duplicates the id \"a\" of /tasks/0"));
        cases.add(new Case(
                "missing dependency",
                "{'name':'n','tasks':[" + TASK + ",{'id':'b','type':'t','dependsOn':['a','x']}]}",
                422,
                "/tasks/1/dependsOn/1",
                "names task \"x\", which is not in this workflow"));
        cases.add(new Case(
                "self-dependency", task("'dependsOn':['a']"), 422, "/tasks/0/dependsOn/0", "cannot depend on itself"));
        cases.add(new Case(
                "cycle",
                "{'name':'n','tasks':[{'id':'a','type':'t','dependsOn':['c']},{'id':'b','type':'t','dependsOn':['a']},{'id':'c','type':'t','dependsOn':['b']}]}",
                422,
                "/tasks/0/dependsOn/0",
                "a → b → c → a"));
        cases.add(new Case(
                "dependency listed twice",
                "{'name':'n','tasks':[" + TASK + ",{'id':'b','type':'t','dependsOn':['a','a']}]}",
                422,
                "/tasks/1/dependsOn/1",
                "repeats \"a\""));
        cases.add(new Case(
                "too many tasks",
                "{'name':'n','tasks':[" + manyTasks(1001) + "]}",
                422,
                "/tasks",
                "has 1001 tasks; at most 1000 are allowed"));
        cases.add(new Case(
                "zero attempts",
                task("'retry':{'maxAttempts':0}"),
                422,
                "/tasks/0/retry/maxAttempts",
                "must be at least 1 (got 0)"));
        cases.add(new Case(
                "absurd attempts",
                task("'retry':{'maxAttempts':1000000}"),
                422,
                "/tasks/0/retry/maxAttempts",
                "must be at most 100"));
        cases.add(new Case(
                "shrinking backoff",
                task("'retry':{'backoffMultiplier':0.5}"),
                422,
                "/tasks/0/retry/backoffMultiplier",
                "must be at least 1"));
        cases.add(new Case(
                "jitter above 1", task("'retry':{'jitter':1.5}"), 422, "/tasks/0/retry/jitter", "must be at most 1"));
        cases.add(new Case(
                "negative timeout",
                "{'name':'n','timeout':'-PT5S','tasks':[" + TASK + "]}",
                422,
                "/timeout",
                "ISO-8601 duration"));
        cases.add(new Case(
                "timeout in years",
                "{'name':'n','timeout':'P1Y','tasks':[" + TASK + "]}",
                422,
                "/timeout",
                "ISO-8601 duration"));
        cases.add(new Case(
                "zero timeout",
                "{'name':'n','timeout':'PT0S','tasks':[" + TASK + "]}",
                422,
                "/timeout",
                "must be longer than zero"));
        cases.add(new Case(
                "absurd timeout",
                "{'name':'n','timeout':'P400D','tasks':[" + TASK + "]}",
                422,
                "/timeout",
                "must be at most P365D"));
        cases.add(new Case(
                "absurd start-to-close",
                task("'timeout':{'startToClose':'P9999D'}"),
                422,
                "/tasks/0/timeout/startToClose",
                "must be at most P365D"));
        cases.add(new Case(
                "absurd backoff",
                task("'retry':{'initialBackoff':'PT25H'}"),
                422,
                "/tasks/0/retry/initialBackoff",
                "must be at most PT24H"));
        cases.add(new Case(
                "max backoff below initial",
                "{'name':'n','taskDefaults':{'retry':{'initialBackoff':'PT1M','maxBackoff':'PT10S'}},'tasks':[" + TASK
                        + "]}",
                422,
                "/taskDefaults/retry/maxBackoff",
                "must not be shorter than initialBackoff"));
        cases.add(new Case(
                "compensation without type",
                task("'compensation':{'input':{}}"),
                422,
                "/tasks/0/compensation/type",
                "is required"));
        cases.add(new Case(
                "label name empty",
                "{'name':'n','labels':{'':'x'},'tasks':[" + TASK + "]}",
                422,
                "/labels/",
                "not a valid label name"));
        // 413: over the body size limit (1 MiB by default)
        cases.add(new Case(
                "body over 1 MiB",
                "{'name':'n','input':'" + "x".repeat(1024 * 1024) + "','tasks':[" + TASK + "]}",
                413,
                "",
                "is larger than 1048576 bytes"));
        return cases;
    }

    private static String task(String extra) {
        return "{'name':'n','tasks':[{'id':'a','type':'t'," + extra + "}]}";
    }

    private static String manyTasks(int count) {
        return IntStream.range(0, count)
                .mapToObj(i -> "{'id':'t" + i + "','type':'t'}")
                .collect(Collectors.joining(","));
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void badSubmissionIsAProblemNamingTheField(Case bad) {
        ApiClient.Response response = api.submit(bad.bytes(), "application/json");

        assertThat(response.status()).as(response.body()).isEqualTo(bad.status());
        assertThat(response.isProblem())
                .as("content type %s", response.contentType())
                .isTrue();
        JsonNode problem = response.json();
        assertThat(problem.get("status").asInt()).isEqualTo(bad.status());
        assertThat(problem.get("title").asString()).isNotBlank();
        assertThat(problem.get("errors").valueStream())
                .as("errors of %s", problem)
                .anySatisfy(error -> {
                    assertThat(error.get("pointer").asString()).isEqualTo(bad.pointer());
                    assertThat(error.get("reason").asString()).contains(bad.reason());
                });
        assertThat(response.body().length())
                .as("a problem never echoes the payload")
                .isLessThan(4096);
    }

    @Order(2)
    @Test
    void everyErrorOfOneSubmissionIsListed() {
        String body = """
                {"name": "", "colour": "red",
                 "tasks": [
                   {"id": "a", "type": "T", "dependsOn": ["missing"]},
                   {"id": "a", "type": "t", "retry": {"maxAttempts": 0}},
                   {"id": "b", "type": "t", "dependsOn": ["b"]}
                 ]}
                """;

        ApiClient.Response response = api.submit(body);

        assertThat(response.status()).isEqualTo(422);
        assertThat(response.json()
                        .get("errors")
                        .valueStream()
                        .map(error -> error.get("pointer").asString()))
                .contains(
                        "/name",
                        "/colour",
                        "/tasks/0/type",
                        "/tasks/0/dependsOn/0",
                        "/tasks/1/id",
                        "/tasks/1/retry/maxAttempts",
                        "/tasks/2/dependsOn/0");
    }

    @Order(3)
    @Test
    void aBodyThatIsNotJsonByContentTypeIsA415Problem() {
        ApiClient.Response response = api.submit("name=n".getBytes(StandardCharsets.UTF_8), "text/plain");

        assertThat(response.status()).isEqualTo(415);
        assertThat(response.isProblem()).isTrue();
    }

    @Order(4)
    @Test
    void noBadSubmissionLeftARowBehind() {
        assertThat(SubmissionDatabase.workflows(jdbc)).isZero();
        assertThat(SubmissionDatabase.tasks(jdbc)).isZero();
        assertThat(SubmissionDatabase.outboxRows(jdbc)).isZero();
    }
}
