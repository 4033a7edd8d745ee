package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A translated subschema: its regex, and what the regex's matches can be (their kinds, see {@link JsonType#kind}, and,
 * where the subschema is an enum or const, the values themselves), which {@code oneOf} needs to prove its branches
 * never both match one value.
 *
 * @param values the only values the matches are, or {@code null} where they are not a known finite set
 */
record Fragment(String regex, Set<JsonType> kinds, List<JsonNode> values) {

    static Fragment ofKind(String regex, JsonType type) {
        return new Fragment(regex, EnumSet.of(type.kind()), null);
    }

    static Fragment anyValue(String regex) {
        Set<JsonType> kinds = EnumSet.allOf(JsonType.class);
        kinds.remove(JsonType.INTEGER);
        return new Fragment(regex, kinds, null);
    }

    /** The union of the fragments; empty where there are none, since a regex cannot express the empty language. */
    static Optional<Fragment> union(List<Fragment> fragments) {
        if (fragments.isEmpty()) {
            return Optional.empty();
        }
        if (fragments.size() == 1) {
            return Optional.of(fragments.get(0));
        }
        Set<String> regexes = new LinkedHashSet<>();
        Set<JsonType> kinds = EnumSet.noneOf(JsonType.class);
        List<JsonNode> values = new ArrayList<>();
        for (Fragment fragment : fragments) {
            regexes.add(fragment.regex);
            kinds.addAll(fragment.kinds);
            if (values != null && fragment.values != null) {
                values.addAll(fragment.values);
            } else {
                values = null;
            }
        }
        return Optional.of(new Fragment(JsonRegexParts.alternation(regexes), kinds, values));
    }
}
