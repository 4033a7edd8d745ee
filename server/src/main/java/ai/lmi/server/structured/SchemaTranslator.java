package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Walks a schema document, turning each subschema into a {@link Fragment}, or empty where it accepts no value this
 * translation writes (a regex cannot express the empty language). Every keyword is translated, ignored as an
 * annotation, or refused, never silently dropped.
 */
final class SchemaTranslator {

    /** The keywords that only constrain one type; without {@code type}, they say which types the schema is about. */
    private static final Map<JsonType, List<String>> TYPE_KEYWORDS = Map.of(
            JsonType.OBJECT, List.of("properties", "required", "additionalProperties", "unevaluatedProperties"),
            JsonType.ARRAY, List.of("items", "prefixItems", "additionalItems", "minItems", "maxItems"),
            JsonType.STRING, List.of("minLength", "maxLength", "pattern", "format"),
            JsonType.NUMBER, List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"));

    private final SchemaDocument document;
    private final ScalarSchemas scalars;
    private final ContainerSchemas containers;
    private final OverlapCheck overlaps;
    /** The $ref targets being translated, outermost first: one met again is a recursion. */
    private final Deque<String> references = new ArrayDeque<>();

    SchemaTranslator(SchemaDocument document) {
        this.document = document;
        this.scalars = new ScalarSchemas(document.dialect);
        this.containers = new ContainerSchemas(this, document.dialect);
        this.overlaps = new OverlapCheck(document);
    }

    Optional<Fragment> translate(JsonNode schema, Location at) {
        if (schema.isBoolean()) {
            return schema.booleanValue()
                    ? Optional.of(Fragment.anyValue(JsonRegexParts.anyValue(JsonRegexParts.ANY_DEPTH)))
                    : Optional.empty();
        }
        if (!schema.isObject()) {
            throw at.error("a schema must be an object or a boolean, not " + abbreviated(schema));
        }
        Location here = !at.pointer().isEmpty() && schema.has("$id") ? at.enteringNestedResource() : at;
        checkKeywords(schema, here);
        String applicator = applicator(schema, here);
        List<JsonNode> values = listedValues(schema, here);
        if (values != null) {
            return listed(values, schema, applicator, here);
        }
        return applicator != null ? applied(schema, applicator, here) : typed(schema, here);
    }

    private void checkKeywords(JsonNode schema, Location at) {
        for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
            String keyword = it.next();
            if (keyword.equals("prefixItems") && document.dialect.tupleItems()) {
                throw at.keywordError(keyword, "is not a keyword before draft 2020-12, where validators ignore it"
                        + " (a tuple is an items array there)");
            }
            if (keyword.equals("additionalItems") && !document.dialect.tupleItems()) {
                throw at.keywordError(keyword, "is not a keyword of draft 2020-12 (a tuple is prefixItems, then items)");
            }
            if (!SchemaKeywords.SUPPORTED.contains(keyword) && !SchemaKeywords.ANNOTATIONS.contains(keyword)) {
                throw SchemaKeywords.unsupported(at, keyword);
            }
        }
    }

    /** The one applicator keyword of the schema, or null; others beside it would need an intersection. */
    private static String applicator(JsonNode schema, Location at) {
        String applicator = null;
        for (String keyword : SchemaKeywords.APPLICATORS) {
            if (schema.has(keyword)) {
                if (applicator != null) {
                    throw at.keywordError(keyword, "is not supported next to \"" + applicator
                            + "\" (a regex cannot intersect them; nest one in the other)");
                }
                applicator = keyword;
            }
        }
        if (applicator != null) {
            for (Iterator<String> it = schema.fieldNames(); it.hasNext(); ) {
                String keyword = it.next();
                if (SchemaKeywords.asserts(keyword) && !keyword.equals(applicator)
                        && !SchemaKeywords.VALUE_LISTS.contains(keyword)) {
                    throw at.keywordError(keyword, "is not supported next to \"" + applicator
                            + "\" (a regex cannot intersect them; move it into the subschemas)");
                }
            }
        }
        return applicator;
    }

    private Optional<Fragment> applied(JsonNode schema, String applicator, Location at) {
        if (applicator.equals("$ref")) {
            SchemaDocument.Target target = document.resolve(schema.get("$ref"), at);
            String pointer = target.location().pointer();
            if (references.contains(pointer)) {
                throw at.keywordError("$ref", "is recursive: " + schema.get("$ref") + " is within its own"
                        + " definition (recursive schemas are not supported: their language is not regular)");
            }
            references.push(pointer);
            try {
                return translate(target.schema(), target.location());
            } finally {
                references.pop();
            }
        }
        List<JsonNode> branches = SchemaKeywords.nonEmptyArray(schema, applicator, at);
        if (applicator.equals("allOf")) {
            if (branches.size() != 1) {
                throw at.keywordError("allOf", "is supported with exactly one subschema, not " + branches.size()
                        + " (a regex cannot intersect them)");
            }
            return translate(branches.get(0), at.child("allOf", 0));
        }
        List<Fragment> fragments = new ArrayList<>();
        for (int i = 0; i < branches.size(); i++) {
            fragments.add(translate(branches.get(i), at.child(applicator, i)).orElse(null));
        }
        if (applicator.equals("oneOf")) {
            int[] pair = overlaps.overlapping(branches, fragments);
            if (pair != null) {
                throw at.keywordError("oneOf", "is not supported here: branches " + pair[0] + " and " + pair[1]
                        + " may both match one value (oneOf is supported where branches differ in JSON type or are"
                        + " enums or consts of distinct values; use anyOf if any match will do)");
            }
        }
        return Fragment.union(fragments.stream().filter(f -> f != null).toList());
    }

    private Optional<Fragment> typed(JsonNode schema, Location at) {
        List<Fragment> fragments = new ArrayList<>();
        for (JsonType type : types(schema, at)) {
            switch (type) {
                case NULL -> fragments.add(Fragment.ofKind(JsonRegexParts.NULL, type));
                case BOOLEAN -> fragments.add(Fragment.ofKind(JsonRegexParts.BOOLEAN, type));
                case STRING -> fragments.add(Fragment.ofKind(scalars.string(schema, at), type));
                case INTEGER -> fragments.add(Fragment.ofKind(scalars.integer(schema, at), type));
                case NUMBER -> fragments.add(Fragment.ofKind(scalars.number(schema, at), type));
                case OBJECT -> containers.object(schema, at).ifPresent(r -> fragments.add(Fragment.ofKind(r, type)));
                case ARRAY -> containers.array(schema, at).ifPresent(r -> fragments.add(Fragment.ofKind(r, type)));
            }
        }
        return Fragment.union(fragments);
    }

    /**
     * The types of {@code type}; without it, those its type-specific keywords are about (a schema with properties is
     * asked for an object, though it also accepts every non-object), else all.
     */
    private static Set<JsonType> types(JsonNode schema, Location at) {
        JsonNode type = schema.get("type");
        Set<JsonType> types = new LinkedHashSet<>();
        if (type == null) {
            for (JsonType candidate : List.of(JsonType.OBJECT, JsonType.ARRAY, JsonType.STRING, JsonType.NUMBER)) {
                if (TYPE_KEYWORDS.get(candidate).stream().anyMatch(schema::has)) {
                    types.add(candidate);
                }
            }
            if (types.isEmpty()) {
                types.addAll(EnumSet.allOf(JsonType.class));
                types.remove(JsonType.INTEGER);
            }
            return types;
        }
        if (!type.isTextual() && !(type.isArray() && !type.isEmpty())) {
            throw at.keywordError("type", "must be a type name or a non-empty array of them, not " + type);
        }
        for (JsonNode name : type.isArray() ? type : List.of(type)) {
            JsonType named = JsonType.named(name.asText()).filter(t -> name.isTextual())
                    .orElseThrow(() -> at.keywordError("type", "names no JSON type: " + name
                            + " (types: null, boolean, object, array, number, integer, string)"));
            if (!types.add(named)) {
                throw at.keywordError("type", "names " + name + " twice");
            }
        }
        return types;
    }

    /** The values of enum and const (those of enum equal to const, where both are), or null where neither is. */
    private static List<JsonNode> listedValues(JsonNode schema, Location at) {
        JsonNode constant = schema.get("const");
        JsonNode list = schema.get("enum");
        if (list != null && !list.isArray()) {
            throw at.keywordError("enum", "must be an array, not " + abbreviated(list));
        }
        if (list == null) {
            return constant == null ? null : List.of(constant);
        }
        List<JsonNode> values = new ArrayList<>();
        for (JsonNode value : list) {
            if (constant == null || JsonValues.same(value, constant)) {
                values.add(constant == null ? value : constant);
            }
        }
        return values;
    }

    /**
     * The listed values that the rest of the schema accepts. Where it asserts more than a type, a value is kept only
     * where the regex of the rest matches it: that regex is sound, so the value is valid.
     */
    private Optional<Fragment> listed(List<JsonNode> values, JsonNode schema, String applicator, Location at) {
        List<String> others = new ArrayList<>();
        schema.fieldNames().forEachRemaining(keyword -> {
            if (SchemaKeywords.asserts(keyword) && !SchemaKeywords.VALUE_LISTS.contains(keyword)) {
                others.add(keyword);
            }
        });
        List<JsonNode> kept = values.stream().filter(v -> !JsonValues.hasLoneSurrogate(v)).toList();
        if (others.equals(List.of("type"))) {
            Set<JsonType> types = types(schema, at);
            kept = kept.stream().filter(v -> types.stream().anyMatch(t -> t.admits(v))).toList();
        } else if (!others.isEmpty()) {
            Optional<Fragment> rest = applicator != null ? applied(schema, applicator, at) : typed(schema, at);
            Pattern pattern = rest.map(f -> Pattern.compile(f.regex())).orElse(null);
            kept = kept.stream()
                    .filter(v -> pattern != null && pattern.matcher(JsonRegexParts.compact(v)).matches())
                    .toList();
        }
        if (kept.isEmpty()) {
            return Optional.empty();
        }
        Set<JsonType> kinds = EnumSet.noneOf(JsonType.class);
        List<String> regexes = new ArrayList<>();
        for (JsonNode value : kept) {
            kinds.add(JsonType.kindOf(value));
            regexes.add(JsonRegexParts.literal(value));
        }
        return Optional.of(new Fragment(JsonRegexParts.alternation(regexes), kinds, kept));
    }

    private static String abbreviated(JsonNode value) {
        String text = value.toString();
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
