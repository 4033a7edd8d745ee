package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/** Comparing JSON values as JSON Schema does, and finding the ones a translation cannot write. */
final class JsonValues {

    private JsonValues() {}

    /** JSON Schema equality: numbers by value (1 is 1.0), objects regardless of member order. */
    static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> member = it.next();
                JsonNode other = b.get(member.getKey());
                if (other == null || !same(member.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Whether a string in the value, or a member name, holds a lone surrogate, which would break parsers. */
    static boolean hasLoneSurrogate(JsonNode value) {
        if (value.isTextual()) {
            return hasLoneSurrogate(value.textValue());
        }
        if (value.isArray()) {
            for (JsonNode element : value) {
                if (hasLoneSurrogate(element)) {
                    return true;
                }
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            if (hasLoneSurrogate(member.getKey()) || hasLoneSurrogate(member.getValue())) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasLoneSurrogate(String text) {
        return text.codePoints().anyMatch(c -> c <= 0xffff && Character.isSurrogate((char) c));
    }
}
