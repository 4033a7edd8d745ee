package ai.lmi.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One function call of a chat reply, as OpenAI's {@code tool_calls} entries carry it.
 *
 * @param arguments the arguments as a JSON text (OpenAI sends a string, not an object)
 */
record ToolCall(String id, String name, String arguments) {

    static ToolCall of(String name, String arguments) {
        return new ToolCall(OpenAiFields.newId("call_"), name, arguments);
    }

    /** {@code {"id", "type": "function", "function": {"name", "arguments"}}}, with {@code index} when streamed. */
    ObjectNode toJson(Integer index) {
        ObjectNode call = Json.object();
        if (index != null) {
            call.put("index", index);
        }
        call.put("id", id);
        call.put("type", "function");
        ObjectNode function = call.putObject("function");
        function.put("name", name);
        function.put("arguments", arguments);
        return call;
    }
}
