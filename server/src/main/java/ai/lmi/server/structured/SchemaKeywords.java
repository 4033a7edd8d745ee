package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The keywords translated, those ignored as annotations, and readers of keyword values that name what is wrong. */
final class SchemaKeywords {

    /** In the order the refusal message lists them. */
    static final List<String> SUPPORTED = List.of("type", "properties", "required", "additionalProperties",
            "unevaluatedProperties", "items", "prefixItems", "additionalItems", "minItems", "maxItems", "enum", "const",
            "anyOf", "oneOf", "allOf", "$ref", "$defs", "definitions", "minLength", "maxLength", "pattern", "format",
            "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");

    /** Keywords that assert nothing about instances, so a translation may ignore them. */
    static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "$schema", "$id",
            "$comment", "deprecated", "readOnly", "writeOnly");

    /** Keywords that hold subschemas for $ref, asserting nothing where they are. */
    static final Set<String> DEFINITIONS = Set.of("$defs", "definitions");

    /** Keywords that apply a subschema to the whole instance; any other assertion next to them would need intersection. */
    static final List<String> APPLICATORS = List.of("$ref", "allOf", "anyOf", "oneOf");

    /** Keywords that restrict the instance to listed values, translated by filtering those values. */
    static final Set<String> VALUE_LISTS = Set.of("enum", "const");

    private SchemaKeywords() {}

    /** Whether the keyword says something about instances. */
    static boolean asserts(String keyword) {
        return !ANNOTATIONS.contains(keyword) && !DEFINITIONS.contains(keyword);
    }

    static IllegalArgumentException unsupported(Location at, String keyword) {
        return at.keywordError(keyword, "is not supported (supported: " + String.join(", ", SUPPORTED) + ")");
    }

    /** The keyword's non-negative integer value (1.0 counts, as in JSON Schema), or {@code absent}. */
    static int nonNegativeInteger(JsonNode schema, String keyword, Location at, int absent) {
        JsonNode value = schema.get(keyword);
        if (value == null) {
            return absent;
        }
        if (!value.isNumber() || !value.canConvertToExactIntegral() || value.decimalValue().signum() < 0) {
            throw at.keywordError(keyword, "must be a non-negative integer, not " + value);
        }
        if (value.decimalValue().compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
            throw at.keywordError(keyword, "is too large: " + value);
        }
        return value.intValue();
    }

    /** The keyword's number, or null where it is absent. */
    static BigDecimal number(JsonNode schema, String keyword, Location at) {
        JsonNode value = schema.get(keyword);
        if (value == null) {
            return null;
        }
        if (!value.isNumber()) {
            throw at.keywordError(keyword, "must be a number, not " + value
                    + (value.isBoolean() ? " (the boolean form of draft 4 is not supported)" : ""));
        }
        return value.decimalValue();
    }

    /** The keyword's string, or null where it is absent. */
    static String string(JsonNode schema, String keyword, Location at) {
        JsonNode value = schema.get(keyword);
        if (value != null && !value.isTextual()) {
            throw at.keywordError(keyword, "must be a string, not " + value);
        }
        return value == null ? null : value.textValue();
    }

    /** The keyword's array of distinct strings, empty where it is absent. */
    static List<String> distinctStrings(JsonNode schema, String keyword, Location at) {
        JsonNode value = schema.get(keyword);
        if (value == null) {
            return List.of();
        }
        Set<String> strings = new LinkedHashSet<>();
        if (!value.isArray()) {
            throw at.keywordError(keyword, "must be an array of strings, not " + value);
        }
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw at.keywordError(keyword, "must be an array of strings, not " + value);
            }
            if (!strings.add(element.textValue())) {
                throw at.keywordError(keyword, "names " + element + " twice");
            }
        }
        return List.copyOf(strings);
    }

    /** The keyword's non-empty array (of subschemas, for the applicators), or null where it is absent. */
    static List<JsonNode> nonEmptyArray(JsonNode schema, String keyword, Location at) {
        JsonNode value = schema.get(keyword);
        if (value == null) {
            return null;
        }
        if (!value.isArray() || value.isEmpty()) {
            throw at.keywordError(keyword, "must be a non-empty array, not " + value);
        }
        List<JsonNode> elements = new ArrayList<>();
        value.forEach(elements::add);
        return elements;
    }
}
