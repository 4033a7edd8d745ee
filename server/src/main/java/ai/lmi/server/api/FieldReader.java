package ai.lmi.server.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Typed, validating reads of one JSON object's fields. Every error is a 400 that names the field by its
 * path ({@code parameters.temperature}) and shows the value it got. A JSON {@code null} counts as absent,
 * since OpenAI clients send {@code "stop": null} for "not set".
 */
public final class FieldReader {

    private final ObjectNode node;
    /** Path of this object followed by a dot, or empty at the root. */
    private final String prefix;

    private FieldReader(ObjectNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    /** Parses a request body, which must be one JSON object in UTF-8. */
    public static FieldReader parseBody(InputStream body) {
        JsonNode root;
        try {
            // Jackson's own decoding lets some invalid UTF-8 through (encoded surrogates, overlong forms).
            root = Json.MAPPER.readTree(new InputStreamReader(body, StandardCharsets.UTF_8.newDecoder()));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
            throw ApiException.badRequest("request body is not valid JSON: " + e.getOriginalMessage() + where);
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("request body is not valid UTF-8");
        } catch (IOException e) {
            throw ApiException.badRequest("request body could not be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw ApiException.badRequest("request body is empty; expected a JSON object");
        }
        if (!root.isObject()) {
            throw ApiException.badRequest("request body must be a JSON object, got " + describe(root));
        }
        return new FieldReader((ObjectNode) root, "");
    }

    /** A reader over an object built in code (an absent {@code parameters} reads as an empty one). */
    public static FieldReader of(ObjectNode node) {
        return new FieldReader(node, "");
    }

    /** The object read. */
    ObjectNode node() {
        return node;
    }

    /** The object's path followed by a dot, or empty at the root, as error messages name its fields. */
    String prefix() {
        return prefix;
    }

    /** The full path of {@code field}, as error messages name it. */
    private String path(String field) {
        return prefix + field;
    }

    /** True when the field is present and not null. */
    public boolean has(String field) {
        JsonNode value = node.get(field);
        return value != null && !value.isNull();
    }

    /** The raw value, or null when absent or null. */
    public JsonNode get(String field) {
        return has(field) ? node.get(field) : null;
    }

    public Optional<FieldReader> object(String field) {
        JsonNode value = get(field);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isObject()) {
            throw mustBe(field, "an object", value);
        }
        return Optional.of(new FieldReader((ObjectNode) value, path(field) + "."));
    }

    public Optional<Boolean> bool(String field) {
        JsonNode value = get(field);
        if (value == null) {
            return Optional.empty();
        }
        if (!value.isBoolean()) {
            throw mustBe(field, "a boolean", value);
        }
        return Optional.of(value.booleanValue());
    }

    public boolean bool(String field, boolean defaultValue) {
        return bool(field).orElse(defaultValue);
    }

    /** An integer within {@code [min, max]}; {@code 5.0} counts as an integer, {@code 5.5} does not. */
    public OptionalInt integer(String field, int min, int max) {
        JsonNode value = get(field);
        if (value == null) {
            return OptionalInt.empty();
        }
        long number = integralValue(field, value);
        if (number < min || number > max) {
            throw rangeError(field, min, max, value);
        }
        return OptionalInt.of((int) number);
    }

    /** Any 64-bit integer, e.g. a seed. */
    public OptionalLong longInteger(String field) {
        JsonNode value = get(field);
        return value == null ? OptionalLong.empty() : OptionalLong.of(integralValue(field, value));
    }

    /** A finite number within {@code bounds}. */
    public OptionalDouble number(String field, Bounds bounds) {
        JsonNode value = get(field);
        if (value == null) {
            return OptionalDouble.empty();
        }
        if (!value.isNumber()) {
            throw mustBe(field, "a number", value);
        }
        double number = value.doubleValue();
        // The worker samples in float32: the value must stay finite, and within bounds, as a float.
        float single = (float) number;
        if (!Float.isFinite(single)) {
            throw mustBe(field, "a finite number of at most " + Float.MAX_VALUE + " in magnitude", value);
        }
        if (!bounds.contains(number) || !bounds.contains(single)) {
            throw ApiException.badRequest(path(field) + " " + bounds.describe() + ", got " + value);
        }
        return OptionalDouble.of(number);
    }

    /** A string or a list of strings, none empty (as OpenAI's and LMI's {@code stop} accept). */
    public List<String> stringOrStrings(String field) {
        JsonNode value = get(field);
        if (value == null) {
            return List.of();
        }
        if (value.isTextual()) {
            return List.of(nonEmpty(field, value.textValue()));
        }
        if (!value.isArray()) {
            throw mustBe(field, "a string or a list of strings", value);
        }
        List<String> strings = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            JsonNode element = value.get(i);
            if (!element.isTextual()) {
                throw mustBe(field + "[" + i + "]", "a string", element);
            }
            strings.add(nonEmpty(field + "[" + i + "]", element.textValue()));
        }
        return strings;
    }

    /** A list of integers within {@code [min, max]}. */
    public List<Integer> integers(String field, int min, int max) {
        JsonNode value = get(field);
        if (value == null) {
            return List.of();
        }
        if (!value.isArray()) {
            throw mustBe(field, "a list of integers", value);
        }
        List<Integer> numbers = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            String element = field + "[" + i + "]";
            long number = integralValue(element, value.get(i));
            if (number < min || number > max) {
                throw rangeError(element, min, max, value.get(i));
            }
            numbers.add((int) number);
        }
        return numbers;
    }

    /** A 400 saying {@code field} must be {@code what}, showing the value it got. */
    public ApiException mustBe(String field, String what, JsonNode got) {
        return ApiException.badRequest(path(field) + " must be " + what + ", got " + describe(got));
    }

    private String nonEmpty(String field, String text) {
        if (text.isEmpty()) {
            throw ApiException.badRequest(path(field) + " must not be empty");
        }
        return text;
    }

    private long integralValue(String field, JsonNode value) {
        if (!value.isNumber() || !value.canConvertToExactIntegral() || !value.canConvertToLong()) {
            throw mustBe(field, "an integer", value);
        }
        return value.longValue();
    }

    private ApiException rangeError(String field, int min, int max, JsonNode got) {
        Bounds bounds = max == Integer.MAX_VALUE ? Bounds.atLeast(min) : Bounds.between(min, max);
        return ApiException.badRequest(path(field) + " " + bounds.describe() + ", got " + got);
    }

    // Long strings and containers are cut so that an error message stays one readable line.
    private static String describe(JsonNode value) {
        String text = value.toString();
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
