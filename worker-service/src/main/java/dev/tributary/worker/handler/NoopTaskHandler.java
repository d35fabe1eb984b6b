package dev.tributary.worker.handler;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/** Type {@code noop}: does nothing and succeeds with the output {@code {}}; ignores its input. */
public final class NoopTaskHandler implements TaskHandler {

    public static final String TYPE = "noop";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JsonNode handle(TaskContext context) {
        return JsonNodeFactory.instance.objectNode();
    }
}
