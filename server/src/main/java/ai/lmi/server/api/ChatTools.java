package ai.lmi.server.api;

import ai.lmi.server.structured.Grammar;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A chat request's {@code tools}, {@code tool_choice} and {@code parallel_tool_calls}, as OpenAI defines them.
 *
 * <p>The tools go to the chat template as {@code tools}. {@code tool_choice} decides the output: {@code "none"}
 * leaves it text; {@code "auto"} (the default with tools) leaves it free and reads a reply made of tool-call JSON
 * as tool calls ({@link ToolCallParser}); {@code "required"} constrains the output to a JSON list of
 * {@code {"name": ..., "arguments": {...}}} calls of the given tools (one when parallel_tool_calls is false); a
 * named function constrains it to that function's {@code parameters} schema, the arguments themselves.
 *
 * @param definitions the tools as the template gets them, empty without tools
 * @param mode        how the reply is read
 * @param names       the functions' names, in order
 * @param grammar     the constraint {@code tool_choice} asks for, if it forces a call
 */
record ChatTools(List<Object> definitions, ToolCallMode mode, List<String> names, Optional<Grammar> grammar) {

    static final SchemaFields TOOL = SchemaFields.of("a tool", "type", "function");
    static final SchemaFields FUNCTION = SchemaFields.of("a function", "name", "description", "parameters", "strict");
    static final SchemaFields NAMED_CHOICE = SchemaFields.of("tool_choice", "type", "function");
    static final SchemaFields NAMED_FUNCTION = SchemaFields.of("tool_choice.function", "name");

    static final ChatTools NONE = new ChatTools(List.of(), ToolCallMode.NONE, List.of(), Optional.empty());

    static ChatTools read(FieldReader body) {
        JsonNode tools = body.get("tools");
        JsonNode choice = body.get("tool_choice");
        if (tools == null || (tools.isArray() && tools.isEmpty())) {
            if (choice != null && !(choice.isTextual() && choice.textValue().equals("none"))) {
                throw ApiException.badRequest("tool_choice " + Json.write(choice) + " needs tools");
            }
            return NONE;
        }
        if (!tools.isArray()) {
            throw body.mustBe("tools", "a list of {\"type\": \"function\", \"function\": {...}}", tools);
        }
        Map<String, JsonNode> parameters = new LinkedHashMap<>();
        for (int i = 0; i < tools.size(); i++) {
            readTool(body, "tools[" + i + "]", tools.get(i), parameters);
        }
        List<Object> definitions = Json.MAPPER.convertValue(tools, List.class);
        List<String> names = List.copyOf(parameters.keySet());
        boolean parallel = body.bool("parallel_tool_calls", true);
        if (choice == null || (choice.isTextual() && choice.textValue().equals("auto"))) {
            return new ChatTools(definitions, ToolCallMode.AUTO, names, Optional.empty());
        }
        if (choice.isTextual() && choice.textValue().equals("none")) {
            return new ChatTools(definitions, ToolCallMode.NONE, names, Optional.empty());
        }
        if (choice.isTextual() && choice.textValue().equals("required")) {
            return new ChatTools(definitions, ToolCallMode.REQUIRED, names,
                    Optional.of(Grammar.jsonSchema(callList(parameters, parallel))));
        }
        if (!choice.isObject()) {
            throw body.mustBe("tool_choice", "\"none\", \"auto\", \"required\" or {\"type\": \"function\", "
                    + "\"function\": {\"name\": ...}}", choice);
        }
        NAMED_CHOICE.check(choice, "tool_choice.");
        JsonNode type = choice.get("type");
        if (type == null || !type.asText().equals("function")) {
            throw body.mustBe("tool_choice.type", "\"function\"", type == null ? choice : type);
        }
        JsonNode function = choice.get("function");
        if (function == null || !function.isObject()) {
            throw body.mustBe("tool_choice.function", "an object {\"name\": ...}", function == null ? choice : function);
        }
        NAMED_FUNCTION.check(function, "tool_choice.function.");
        JsonNode name = function.get("name");
        if (name == null || !name.isTextual() || !parameters.containsKey(name.textValue())) {
            throw body.mustBe("tool_choice.function.name", "the name of one of the tools (" + String.join(", ",
                    names) + ")", name == null ? function : name);
        }
        return new ChatTools(definitions, ToolCallMode.named(name.textValue()), names,
                Optional.of(Grammar.jsonSchema(parameters.get(name.textValue()))));
    }

    /** Whether the reply may be tool calls. */
    boolean readsCalls() {
        return mode.kind() != ToolCallMode.Kind.NONE;
    }

    private static void readTool(FieldReader body, String field, JsonNode tool, Map<String, JsonNode> parameters) {
        if (!tool.isObject()) {
            throw body.mustBe(field, "an object {\"type\": \"function\", \"function\": {...}}", tool);
        }
        TOOL.check(tool, field + ".");
        JsonNode type = tool.get("type");
        if (type == null || !type.asText().equals("function")) {
            throw body.mustBe(field + ".type", "\"function\" (the only tool type)", type == null ? tool : type);
        }
        JsonNode function = tool.get("function");
        if (function == null || !function.isObject()) {
            throw body.mustBe(field + ".function", "an object with name and parameters",
                    function == null ? tool : function);
        }
        FUNCTION.check(function, field + ".function.");
        JsonNode name = function.get("name");
        if (name == null || !name.isTextual() || !name.textValue().matches("[A-Za-z0-9_-]{1,64}")) {
            throw body.mustBe(field + ".function.name", "a name of 1 to 64 letters, digits, '_' or '-'",
                    name == null ? function : name);
        }
        if (parameters.containsKey(name.textValue())) {
            throw ApiException.badRequest(field + ".function.name: another tool is called '" + name.textValue() + "'");
        }
        JsonNode schema = function.get("parameters");
        if (schema != null && !schema.isNull() && !schema.isObject()) {
            throw body.mustBe(field + ".function.parameters", "a JSON schema (an object)", schema);
        }
        // OpenAI: omitting parameters defines a function with an empty parameter list.
        parameters.put(name.textValue(), schema == null || schema.isNull() ? emptyParameters() : schema);
    }

    private static JsonNode emptyParameters() {
        ObjectNode schema = Json.object();
        schema.put("type", "object");
        schema.putObject("properties");
        schema.put("additionalProperties", false);
        return schema;
    }

    /** A list of calls, each {@code {"name": <one of the tools>, "arguments": <its parameters>}}. */
    private static JsonNode callList(Map<String, JsonNode> parameters, boolean parallel) {
        ArrayNode anyOf = Json.array();
        for (Map.Entry<String, JsonNode> tool : parameters.entrySet()) {
            ObjectNode call = anyOf.addObject();
            call.put("type", "object");
            ObjectNode properties = call.putObject("properties");
            properties.putObject("name").put("const", tool.getKey());
            properties.set("arguments", tool.getValue());
            call.putArray("required").add("name").add("arguments");
            call.put("additionalProperties", false);
        }
        ObjectNode list = Json.object();
        list.put("type", "array");
        list.put("minItems", 1);
        if (!parallel) {
            list.put("maxItems", 1);
        }
        list.putObject("items").set("anyOf", anyOf);
        return list;
    }
}
