package dev.tributary.crash;

/**
 * The workflows the crash test runs, built from the built-in handlers as in {@code docs/examples}:
 * what each looks like and how it must end.
 */
enum Shape {
    /** noop → echo → sleep 0.3 s → noop; succeeds. */
    CHAIN(true, """
            [{"id":"a","type":"noop"},
             {"id":"b","type":"echo","input":{"step":"b"},"dependsOn":["a"]},
             {"id":"c","type":"sleep","input":{"duration":"PT0.3S"},"dependsOn":["b"]},
             {"id":"d","type":"noop","dependsOn":["c"]}]"""),
    /** The diamond of {@code docs/examples/diamond.json}; succeeds. */
    DIAMOND(true, """
            [{"id":"fetch","type":"echo","input":{"step":"fetch"}},
             {"id":"price","type":"echo","input":{"step":"price"},"dependsOn":["fetch"]},
             {"id":"stock","type":"sleep","input":{"duration":"PT0.5S"},"dependsOn":["fetch"]},
             {"id":"ship","type":"echo","input":{"step":"ship"},"dependsOn":["price","stock"]}]"""),
    /** A task that fails retryably on attempt 1 and succeeds on attempt 2, then a noop; succeeds. */
    RETRY(true, """
            [{"id":"flaky","type":"fail",
              "input":{"code":"UPSTREAM_BUSY","retryable":true,"succeedOnAttempt":2},
              "retry":{"maxAttempts":4,"initialBackoff":"PT0.2S","backoffMultiplier":2.0,"maxBackoff":"PT2S"}},
             {"id":"after","type":"noop","dependsOn":["flaky"]}]"""),
    /** noop → fail for good → noop, as {@code docs/examples/failing.json}; ends FAILED at "charge". */
    FAIL(false, """
            [{"id":"prepare","type":"noop"},
             {"id":"charge","type":"fail","input":{"code":"CARD_DECLINED","retryable":false},"dependsOn":["prepare"]},
             {"id":"ship","type":"noop","dependsOn":["charge"]}]"""),
    /** noop → sleep 4 s → noop: keeps a handler busy when a worker is killed; succeeds. */
    SLOW(true, """
            [{"id":"start","type":"noop"},
             {"id":"slow","type":"sleep","input":{"duration":"PT4S"},"dependsOn":["start"]},
             {"id":"end","type":"noop","dependsOn":["slow"]}]""");

    /** The task of {@link #FAIL} that fails, and the one that must never be released after it. */
    static final String FAILING_TASK = "charge";

    static final String NEVER_RELEASED = "ship";

    /** The sleeping task of {@link #SLOW}. */
    static final String SLOW_TASK = "slow";

    final boolean succeeds;
    private final String tasks;

    Shape(boolean succeeds, String tasks) {
        this.succeeds = succeeds;
        this.tasks = tasks;
    }

    /** The ids of the workflow's tasks. */
    java.util.List<String> taskIds() {
        return java.util.regex.Pattern.compile("\\{\"id\":\"([a-z]+)\"")
                .matcher(tasks)
                .results()
                .map(match -> match.group(1))
                .toList();
    }

    /** The status the API must show at the end. */
    String expectedStatus() {
        return succeeds ? "SUCCEEDED" : "FAILED";
    }

    /** The shape of the i-th workflow of a wave: per 20, 7 chains, 5 diamonds, 3 retries, 3 failures, 2 slow. */
    static Shape of(int index) {
        int slot = index % 20;
        if (slot < 7) {
            return CHAIN;
        }
        if (slot < 12) {
            return DIAMOND;
        }
        if (slot < 15) {
            return RETRY;
        }
        if (slot < 18) {
            return FAIL;
        }
        return SLOW;
    }

    /** The submission body, with a client-chosen id so that a retried POST is idempotent. */
    String json(String workflowId) {
        return "{\"id\":\"" + workflowId + "\",\"name\":\"crash-" + name().toLowerCase(java.util.Locale.ROOT)
                + "\",\"tasks\":" + tasks + "}";
    }
}
