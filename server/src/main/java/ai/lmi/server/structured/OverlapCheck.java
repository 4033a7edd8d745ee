package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether {@code oneOf} may be translated as {@code anyOf}: that holds where no value a branch's regex matches can
 * validate against another branch, which is provable without intersecting regexes where the branches differ in JSON
 * type or are enums of distinct values. What another branch accepts is over-approximated from its {@code type},
 * {@code enum}, {@code const} and applicators: the keywords that confine a schema to kinds of values or to values.
 */
final class OverlapCheck {

    /** A superset of what a subschema accepts: values of these kinds, and only these values where they are known. */
    private record Accepted(Set<JsonType> kinds, List<JsonNode> values) {

        static Accepted anything() {
            return new Accepted(kindsOf(EnumSet.allOf(JsonType.class)), null);
        }

        Accepted intersection(Accepted other) {
            Set<JsonType> kinds = EnumSet.noneOf(JsonType.class);
            kinds.addAll(this.kinds);
            kinds.retainAll(other.kinds);
            List<JsonNode> values = this.values == null ? other.values : this.values;
            if (this.values != null && other.values != null) {
                values = this.values.stream().filter(v -> other.values.stream().anyMatch(w -> JsonValues.same(v, w))).toList();
            }
            return new Accepted(kinds, values == null ? null : values.stream().filter(v -> kinds.contains(JsonType.kindOf(v))).toList());
        }

        Accepted union(Accepted other) {
            Set<JsonType> kinds = EnumSet.noneOf(JsonType.class);
            kinds.addAll(this.kinds);
            kinds.addAll(other.kinds);
            List<JsonNode> values = null;
            if (this.values != null && other.values != null) {
                values = new ArrayList<>(this.values);
                values.addAll(other.values);
            }
            return new Accepted(kinds, values);
        }

        /** Whether some value the fragment's regex matches may be one of these. */
        boolean mayHold(Fragment fragment) {
            if (fragment.values() == null) {
                return fragment.kinds().stream().anyMatch(kinds::contains);
            }
            return fragment.values().stream().anyMatch(v -> kinds.contains(JsonType.kindOf(v))
                    && (values == null || values.stream().anyMatch(w -> JsonValues.same(v, w))));
        }
    }

    private final SchemaDocument document;

    OverlapCheck(SchemaDocument document) {
        this.document = document;
    }

    /** The first pair of branches that may both match one value, or null where none may. */
    int[] overlapping(List<JsonNode> branches, List<Fragment> fragments) {
        List<Accepted> accepted = new ArrayList<>();
        branches.forEach(branch -> accepted.add(accepted(branch, Location.ROOT, new HashSet<>())));
        for (int i = 0; i < branches.size(); i++) {
            for (int j = 0; j < branches.size(); j++) {
                if (i != j && fragments.get(i) != null && accepted.get(j).mayHold(fragments.get(i))) {
                    return new int[] {Math.min(i, j), Math.max(i, j)};
                }
            }
        }
        return null;
    }

    private Accepted accepted(JsonNode schema, Location at, Set<String> refs) {
        if (schema.isBoolean()) {
            return schema.booleanValue() ? Accepted.anything() : new Accepted(EnumSet.noneOf(JsonType.class), List.of());
        }
        Accepted accepted = Accepted.anything();
        if (!schema.isObject()) {
            return accepted;
        }
        JsonNode type = schema.get("type");
        if (type != null) {
            Set<JsonType> kinds = EnumSet.noneOf(JsonType.class);
            for (JsonNode name : type.isArray() ? type : List.of(type)) {
                JsonType.named(name.asText()).ifPresent(t -> kinds.add(t.kind()));
            }
            accepted = accepted.intersection(new Accepted(kinds, null));
        }
        for (String keyword : SchemaKeywords.VALUE_LISTS) {
            JsonNode list = schema.get(keyword);
            if (list != null && (keyword.equals("const") || list.isArray())) {
                List<JsonNode> values = new ArrayList<>();
                (keyword.equals("const") ? List.of(list) : list).forEach(values::add);
                accepted = accepted.intersection(new Accepted(kindsOfValues(values), values));
            }
        }
        JsonNode ref = schema.get("$ref");
        if (ref != null) {
            SchemaDocument.Target target = document.resolve(ref, at);
            if (refs.add(target.location().pointer())) {
                accepted = accepted.intersection(accepted(target.schema(), target.location(), refs));
                refs.remove(target.location().pointer());
            }
        }
        for (String keyword : List.of("allOf", "anyOf", "oneOf")) {
            JsonNode branches = schema.get(keyword);
            if (branches != null && branches.isArray() && !branches.isEmpty()) {
                Accepted combined = null;
                for (JsonNode branch : branches) {
                    Accepted one = accepted(branch, at, refs);
                    combined = combined == null ? one : keyword.equals("allOf") ? combined.intersection(one) : combined.union(one);
                }
                accepted = accepted.intersection(combined);
            }
        }
        return accepted;
    }

    private static Set<JsonType> kindsOf(Set<JsonType> types) {
        Set<JsonType> kinds = EnumSet.noneOf(JsonType.class);
        types.forEach(type -> kinds.add(type.kind()));
        return kinds;
    }

    private static Set<JsonType> kindsOfValues(List<JsonNode> values) {
        Set<JsonType> kinds = EnumSet.noneOf(JsonType.class);
        values.forEach(value -> kinds.add(JsonType.kindOf(value)));
        return kinds;
    }
}
