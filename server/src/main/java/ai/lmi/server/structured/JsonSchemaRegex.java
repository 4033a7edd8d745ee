package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Regular expressions for structured output: the strings a model may write, token by token, for a JSON Schema
 * (OpenAI {@code response_format} json_schema, vLLM {@code guided_json}, TGI {@code grammar} json), any JSON object
 * ({@code json_object}) or one of a list of strings (vLLM {@code guided_choice}).
 *
 * <p>The regexes are sound: every string one fully matches, even the worst a model could pick, parses as JSON and
 * validates against the schema, in draft 2020-12 and in draft 7. What cannot be translated so is refused with an
 * IllegalArgumentException naming the subschema's JSON pointer and the keyword. They use only the common subset of
 * Python {@code re} and {@code java.util.regex} (no lookaround, anchors, backreferences or flags), and match in full.
 *
 * <p>Layout: no whitespace but an optional single space after each {@code :} and {@code ,}; members in the order of
 * {@code properties}, each at most once. Numbers have at most 16 integer digits, 15 fraction digits and a 2-digit
 * exponent, integers at most 16 digits, so that a model cannot ramble digits forever. Arbitrary values (a
 * {@code true} schema, an object schema without properties) nest at most {@link JsonRegexParts#ANY_DEPTH} containers
 * deep: JSON's language is not regular, so it has to be bounded somewhere.
 *
 * <p>Translated: {@code type} (one or an array; without it, the types the type-specific keywords are about),
 * {@code properties}, {@code required}, {@code additionalProperties} (false, true, absent or a schema; with
 * properties only the listed members are written, without them a schema makes a map of arbitrary names),
 * {@code unevaluatedProperties} (true or false), {@code items}, {@code prefixItems} (or before 2020-12 an items
 * array with {@code additionalItems}), {@code minItems}, {@code maxItems}, {@code enum}, {@code const},
 * {@code anyOf}, {@code oneOf} (where branches differ in JSON type or are enums of distinct values), {@code allOf}
 * of one subschema, local {@code $ref} ({@code #/$defs/...}, {@code #/definitions/...}; not recursive),
 * {@code minLength}, {@code maxLength}, {@code pattern} (the part of ECMA-262 regex syntax that Java and ECMA-262
 * engines read alike, characters a JSON string need not escape), {@code format} date, time, date-time and uuid,
 * {@code minimum}, {@code maximum}, {@code exclusiveMinimum}, {@code exclusiveMaximum} (integers: exactly; numbers:
 * only minimum 0 and exclusiveMinimum 0). Ignored as annotations: title, description, default, examples,
 * $schema, $id, $comment, deprecated, readOnly, writeOnly, and other formats in 2020-12 and 2019-09, where format is
 * an annotation (in drafts 4 to 7 validators assert it, so other formats are refused there). Everything else, such
 * as uniqueItems, contains, minProperties, patternProperties, if/then/else, not or multipleOf, is refused.
 */
public final class JsonSchemaRegex {

    private JsonSchemaRegex() {}

    /** The regex of the JSON texts the schema accepts, in canonical layout; IllegalArgumentException naming pointer + keyword. */
    public static String of(JsonNode schema) {
        return new SchemaTranslator(new SchemaDocument(schema)).translate(schema, Location.ROOT)
                .orElseThrow(() -> Location.ROOT.error("no value satisfies the schema, within the bounds written"))
                .regex();
    }

    /** Any JSON object (response_format json_object), nesting at most {@link JsonRegexParts#ANY_DEPTH} containers deep. */
    public static String anyObject() {
        return JsonRegexParts.anyObjectOf(JsonRegexParts.anyValue(JsonRegexParts.ANY_DEPTH - 1));
    }

    /** Exactly one of the given strings (vLLM guided_choice), as raw text, not JSON. */
    public static String choice(List<String> choices) {
        if (choices.isEmpty()) {
            throw new IllegalArgumentException("a choice needs at least one string");
        }
        List<String> regexes = new ArrayList<>();
        choices.forEach(choice -> regexes.add(quote(choice)));
        return JsonRegexParts.alternation(regexes);
    }

    /** A regex matching exactly the literal text. */
    public static String quote(String literal) {
        return JsonRegexParts.quote(literal);
    }
}
