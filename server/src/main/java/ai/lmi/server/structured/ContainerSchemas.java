package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The object and array subschemas, whose members and elements are subschemas translated in turn. */
final class ContainerSchemas {

    private static final String ANY_MEMBER = JsonRegexParts.anyValue(JsonRegexParts.ANY_DEPTH - 1);

    private final SchemaTranslator translator;
    private final Dialect dialect;

    ContainerSchemas(SchemaTranslator translator, Dialect dialect) {
        this.translator = translator;
        this.dialect = dialect;
    }

    /**
     * Objects. With {@code properties}, only the listed members are written (and required ones it does not list),
     * which is sound whatever {@code additionalProperties} allows; without, an additionalProperties schema makes a map.
     */
    Optional<String> object(JsonNode schema, Location at) {
        JsonNode properties = schema.get("properties");
        if (properties != null && !properties.isObject()) {
            throw at.keywordError("properties", "must be an object of subschemas");
        }
        List<String> required = SchemaKeywords.distinctStrings(schema, "required", at);
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && !additional.isBoolean() && !additional.isObject()) {
            throw at.keywordError("additionalProperties", "must be a schema, not " + additional);
        }
        JsonNode unevaluated = schema.get("unevaluatedProperties");
        if (unevaluated != null && !unevaluated.isBoolean()) {
            throw at.keywordError("unevaluatedProperties", "is supported only as true or false");
        }
        boolean closed = additional != null
                ? additional.isBoolean() && !additional.booleanValue()
                : unevaluated != null && !unevaluated.booleanValue();

        List<ObjectRegex.Member> members = new ArrayList<>();
        List<String> unlisted = new ArrayList<>(required);
        if (properties != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> property = it.next();
                String name = property.getKey();
                boolean isRequired = unlisted.remove(name);
                Optional<Fragment> value = translator.translate(property.getValue(), at.child("properties").child(name));
                if (value.isPresent()) {
                    members.add(new ObjectRegex.Member(name, value.get().regex(), isRequired));
                } else if (isRequired) {
                    return Optional.empty();
                }
            }
        }
        if (closed) {
            if (!unlisted.isEmpty()) {
                throw at.keywordError("required", "names \"" + unlisted.get(0) + "\", which properties does not list"
                        + " and " + (additional != null ? "additionalProperties" : "unevaluatedProperties")
                        + " false forbids");
            }
            return Optional.of(ObjectRegex.of(members));
        }
        if (properties != null && unlisted.isEmpty()) {
            return Optional.of(ObjectRegex.of(members));
        }
        Optional<String> other = additional != null && additional.isObject()
                ? translator.translate(additional, at.child("additionalProperties")).map(Fragment::regex)
                : Optional.of(ANY_MEMBER);
        if (other.isEmpty()) {
            return unlisted.isEmpty() ? Optional.of(ObjectRegex.of(members)) : Optional.empty();
        }
        for (String name : unlisted) {
            members.add(new ObjectRegex.Member(name, other.get(), true));
        }
        return Optional.of(properties != null ? ObjectRegex.of(members) : ObjectRegex.withAnyMembers(members, other.get()));
    }

    /** Arrays: a tuple (prefixItems, or an items array before 2020-12), then items of one schema, and their count. */
    Optional<String> array(JsonNode schema, Location at) {
        int minItems = SchemaKeywords.nonNegativeInteger(schema, "minItems", at, 0);
        int maxItems = SchemaKeywords.nonNegativeInteger(schema, "maxItems", at, -1);
        if (maxItems != -1 && minItems > maxItems) {
            throw at.keywordError("minItems", "exceeds maxItems: " + minItems + " > " + maxItems);
        }
        JsonNode items = schema.get("items");
        String tupleKeyword;
        List<JsonNode> tuple;
        String restKeyword;
        if (dialect.tupleItems() && items != null && items.isArray()) {
            tupleKeyword = "items";
            tuple = new ArrayList<>();
            items.forEach(tuple::add);
            restKeyword = "additionalItems";
        } else {
            if (items != null && items.isArray()) {
                throw at.keywordError("items", "must be a schema in draft 2020-12 (a tuple is prefixItems)");
            }
            tupleKeyword = "prefixItems";
            List<JsonNode> prefixItems = SchemaKeywords.nonEmptyArray(schema, "prefixItems", at);
            tuple = prefixItems == null ? List.of() : prefixItems;
            restKeyword = "items";
        }
        List<String> prefix = new ArrayList<>();
        boolean cut = false;
        for (int i = 0; i < tuple.size() && (maxItems == -1 || i < maxItems) && !cut; i++) {
            Optional<Fragment> element = translator.translate(tuple.get(i), at.child(tupleKeyword, i));
            element.ifPresent(f -> prefix.add(f.regex()));
            cut = element.isEmpty();
        }
        Optional<String> rest;
        if (cut || maxItems != -1 && maxItems <= tuple.size()) {
            rest = Optional.empty();
        } else if (schema.has(restKeyword)) {
            rest = translator.translate(schema.get(restKeyword), at.child(restKeyword)).map(Fragment::regex);
        } else {
            rest = Optional.of(ANY_MEMBER);
        }
        return ArrayRegex.of(prefix, rest, minItems, maxItems);
    }
}
