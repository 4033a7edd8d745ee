package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a request constrains its output to, as its API named it: a JSON schema, any JSON object, a regular
 * expression, or one of a list of strings. Two requests with equal grammars share one compiled automaton.
 *
 * @param kind   which of the four
 * @param source the schema as compact JSON, the pattern, or the choices as a JSON array; the cache key
 */
public record Grammar(Kind kind, String source) {

    /** The kinds of grammar the APIs name. */
    public enum Kind { JSON_SCHEMA, JSON_OBJECT, REGEX, CHOICE }

    public static Grammar jsonSchema(JsonNode schema) {
        return new Grammar(Kind.JSON_SCHEMA, schema.toString());
    }

    public static Grammar jsonObject() {
        return new Grammar(Kind.JSON_OBJECT, "");
    }

    public static Grammar regex(String pattern) {
        return new Grammar(Kind.REGEX, pattern);
    }

    public static Grammar choice(List<String> choices) {
        return new Grammar(Kind.CHOICE, Json.array(choices));
    }

    /** The regular expression of the texts this grammar accepts; IllegalArgumentException naming what is wrong. */
    String regex() {
        return switch (kind) {
            case JSON_SCHEMA -> JsonSchemaRegex.of(Json.read(source));
            case JSON_OBJECT -> JsonSchemaRegex.anyObject();
            case REGEX -> source;
            case CHOICE -> JsonSchemaRegex.choice(Json.strings(source));
        };
    }

    /** The kind and the start of the source, for logs and messages. */
    String describe() {
        String excerpt = source.length() > 80 ? source.substring(0, 77) + "..." : source;
        return kind.name().toLowerCase(Locale.ROOT) + (excerpt.isEmpty() ? "" : " " + excerpt);
    }

    /** The little JSON the sources need, with one shared mapper. */
    private static final class Json {
        private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
                new com.fasterxml.jackson.databind.ObjectMapper();

        static String array(List<String> values) {
            return MAPPER.valueToTree(values).toString();
        }

        static JsonNode read(String json) {
            try {
                return MAPPER.readTree(json);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
            }
        }

        static List<String> strings(String json) {
            List<String> out = new ArrayList<>();
            read(json).forEach(node -> out.add(node.textValue()));
            return out;
        }
    }
}
