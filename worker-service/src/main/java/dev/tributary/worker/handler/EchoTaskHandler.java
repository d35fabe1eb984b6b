package dev.tributary.worker.handler;

import dev.tributary.events.ids.TaskId;
import dev.tributary.events.task.TaskCommand.CompensatedTask;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Type {@code echo}: succeeds with its input and the outputs it received from its direct upstream
 * tasks, so that data flowing through a chain of {@code echo} tasks can be checked at its end.
 *
 * <p>Output: {@code {"input": <the task's input, or null>, "upstream": {"<task id>": <that
 * task's output>, ...}}}. Upstream entries are sorted by task id; {@code upstream} is {@code {}}
 * for a root task. A compensation also echoes what it undoes: {@code "compensates": {"input":
 * <the compensated task's input>, "output": <its output>}}. Because an upstream {@code echo} output itself contains its upstream outputs,
 * the last task of an {@code echo} chain holds the whole chain; in a dense DAG of {@code echo}
 * tasks the output grows with every shared ancestor and may hit {@code
 * tributary.worker.max-output-size}.
 */
public final class EchoTaskHandler implements TaskHandler {

    public static final String TYPE = "echo";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JsonNode handle(TaskContext context) {
        ObjectNode output = JsonNodeFactory.instance.objectNode();
        output.set("input", context.input());
        ObjectNode upstream = output.putObject("upstream");
        for (Map.Entry<TaskId, JsonNode> entry : new TreeMap<>(context.upstreamOutputs()).entrySet()) {
            upstream.set(entry.getKey().value(), entry.getValue());
        }
        CompensatedTask compensates = context.compensates();
        if (compensates != null) {
            ObjectNode compensated = output.putObject("compensates");
            compensated.set("input", compensates.input());
            compensated.set("output", compensates.output());
        }
        return output;
    }
}
