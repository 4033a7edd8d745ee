package ai.lmi.server.api;

import ai.lmi.server.core.SamplingParams;
import ai.lmi.server.structured.Grammar;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Structured output as each API asks for it, read into one {@link Grammar} and compiled against the model's
 * vocabulary: OpenAI's {@code response_format} ({@code text}, {@code json_object}, {@code json_schema}), vLLM's
 * {@code guided_json} / {@code guided_regex} / {@code guided_choice}, and the LMI/TGI
 * {@code parameters.grammar} ({@code {"type": "json" | "regex", "value": ...}}). At most one may be given.
 */
final class StructuredOutputFields {

    static final SchemaFields RESPONSE_FORMAT = SchemaFields.of("response_format", "type", "json_schema");
    static final SchemaFields JSON_SCHEMA = SchemaFields.of("response_format.json_schema", "name", "description",
            "schema", "strict");
    static final SchemaFields LMI_GRAMMAR = SchemaFields.of("parameters.grammar", "type", "value");

    private StructuredOutputFields() {
    }

    /** Compiles the grammar an OpenAI-schema request names, if any, into {@code sampling}'s constraint. */
    static void readOpenAi(FieldReader body, ServedModel model, SamplingParams.Builder sampling) {
        readOpenAi(body, model, sampling, Optional.empty());
    }

    /**
     * As {@link #readOpenAi(FieldReader, ServedModel, SamplingParams.Builder)}, where a chat request's
     * {@code tool_choice} may force a call: {@code toolGrammar}, which no other constraint may join.
     */
    static void readOpenAi(FieldReader body, ServedModel model, SamplingParams.Builder sampling,
            Optional<Grammar> toolGrammar) {
        Map<String, Grammar> named = new LinkedHashMap<>();
        toolGrammar.ifPresent(grammar -> named.put("tool_choice", grammar));
        responseFormat(body).ifPresent(grammar -> named.put("response_format", grammar));
        if (body.has("guided_json")) {
            named.put("guided_json", Grammar.jsonSchema(schema(body, "guided_json", body.get("guided_json"))));
        }
        if (body.has("guided_regex")) {
            JsonNode regex = body.get("guided_regex");
            if (!regex.isTextual() || regex.textValue().isEmpty()) {
                throw body.mustBe("guided_regex", "a non-empty regular expression (Python syntax)", regex);
            }
            named.put("guided_regex", Grammar.regex(regex.textValue()));
        }
        if (body.has("guided_choice")) {
            named.put("guided_choice", Grammar.choice(choices(body)));
        }
        compileOne(body, named, model, sampling);
    }

    /** Compiles {@code parameters.grammar} of an LMI request, if given. */
    static void readLmi(FieldReader parameters, ServedModel model, SamplingParams.Builder sampling) {
        FieldReader grammar = parameters.object("grammar").orElse(null);
        if (grammar == null) {
            return;
        }
        LMI_GRAMMAR.check(grammar);
        JsonNode type = grammar.get("type");
        JsonNode value = grammar.get("value");
        if (value == null) {
            throw ApiException.badRequest(grammar.prefix() + "value is required");
        }
        Grammar asked;
        if (type != null && type.isTextual() && type.textValue().equals("json")) {
            asked = Grammar.jsonSchema(schema(grammar, "value", value));
        } else if (type != null && type.isTextual() && type.textValue().equals("regex")) {
            if (!value.isTextual() || value.textValue().isEmpty()) {
                throw grammar.mustBe("value", "a non-empty regular expression (Python syntax)", value);
            }
            asked = Grammar.regex(value.textValue());
        } else {
            throw grammar.mustBe("type", "\"json\" or \"regex\"", type == null ? grammar.node() : type);
        }
        compileOne(parameters, Map.of("grammar", asked), model, sampling);
    }

    private static Optional<Grammar> responseFormat(FieldReader body) {
        FieldReader format = body.object("response_format").orElse(null);
        if (format == null) {
            return Optional.empty();
        }
        RESPONSE_FORMAT.check(format);
        JsonNode type = format.get("type");
        String kind = type != null && type.isTextual() ? type.textValue() : "";
        switch (kind) {
            case "text":
                if (format.has("json_schema")) {
                    throw ApiException.badRequest(format.prefix() + "json_schema needs type \"json_schema\"");
                }
                return Optional.empty();
            case "json_object":
                if (format.has("json_schema")) {
                    throw ApiException.badRequest(format.prefix() + "json_schema needs type \"json_schema\"");
                }
                return Optional.of(Grammar.jsonObject());
            case "json_schema":
                FieldReader jsonSchema = format.object("json_schema").orElseThrow(() -> ApiException.badRequest(
                        format.prefix() + "json_schema is required with type \"json_schema\""));
                JSON_SCHEMA.check(jsonSchema);
                JsonNode name = jsonSchema.get("name");
                if (name != null && !name.isTextual()) {
                    throw jsonSchema.mustBe("name", "a string", name);
                }
                jsonSchema.bool("strict");
                JsonNode schema = jsonSchema.get("schema");
                if (schema == null) {
                    throw ApiException.badRequest(jsonSchema.prefix() + "schema is required");
                }
                return Optional.of(Grammar.jsonSchema(schema(jsonSchema, "schema", schema)));
            default:
                throw format.mustBe("type", "\"text\", \"json_object\" or \"json_schema\"",
                        type == null ? format.node() : type);
        }
    }

    /** A schema given as a JSON object, or as a string holding one (vLLM accepts both). */
    private static JsonNode schema(FieldReader fields, String field, JsonNode value) {
        JsonNode schema = value;
        if (value.isTextual()) {
            try {
                schema = Json.MAPPER.readTree(value.textValue());
            } catch (JsonProcessingException e) {
                throw ApiException.badRequest(fields.prefix() + field + " is a string that is not JSON: "
                        + e.getOriginalMessage());
            }
        }
        if (schema == null || !(schema.isObject() || schema.isBoolean())) {
            throw fields.mustBe(field, "a JSON schema (an object)", value);
        }
        return schema;
    }

    private static List<String> choices(FieldReader body) {
        JsonNode value = body.get("guided_choice");
        if (!value.isArray() || value.isEmpty()) {
            throw body.mustBe("guided_choice", "a non-empty list of strings", value);
        }
        List<String> choices = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            JsonNode choice = value.get(i);
            if (!choice.isTextual() || choice.textValue().isEmpty()) {
                throw body.mustBe("guided_choice[" + i + "]", "a non-empty string", choice);
            }
            choices.add(choice.textValue());
        }
        return choices;
    }

    private static void compileOne(FieldReader fields, Map<String, Grammar> named, ServedModel model,
            SamplingParams.Builder sampling) {
        if (named.isEmpty()) {
            return;
        }
        if (named.size() > 1) {
            throw ApiException.badRequest(String.join(" and ", named.keySet().stream()
                    .map(name -> fields.prefix() + name).toList()) + " each constrain the output: give one of them");
        }
        Map.Entry<String, Grammar> only = named.entrySet().iterator().next();
        try {
            sampling.constraint(model.grammars().compile(only.getValue()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(fields.prefix() + only.getKey() + ": " + e.getMessage());
        }
    }
}
