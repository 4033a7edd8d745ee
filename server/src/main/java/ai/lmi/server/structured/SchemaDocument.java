package ai.lmi.server.structured;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The schema being translated: its root, which local {@code $ref}s point into, and its dialect. */
final class SchemaDocument {

    /** A resolved reference: the subschema and where it is. */
    record Target(JsonNode schema, Location location) {}

    final JsonNode root;
    final Dialect dialect;

    SchemaDocument(JsonNode root) {
        this.root = root;
        this.dialect = Dialect.of(root);
    }

    /** The subschema a {@code $ref} names; only JSON pointers into this document ({@code #/$defs/...}) are supported. */
    Target resolve(JsonNode ref, Location at) {
        if (!ref.isTextual()) {
            throw at.keywordError("$ref", "must be a string");
        }
        String text = ref.textValue();
        if (at.insideNestedResource()) {
            throw at.keywordError("$ref", "is not supported inside a subschema with its own $id (it would resolve against that)");
        }
        if (!text.equals("#") && !text.startsWith("#/")) {
            throw at.keywordError("$ref", "is not supported for " + ref
                    + " (only JSON pointers into this schema, such as #/$defs/name, are)");
        }
        String pointer = percentDecoded(text.substring(1), at);
        JsonNode target;
        try {
            target = root.at(JsonPointer.compile(pointer));
        } catch (IllegalArgumentException e) {
            throw at.keywordError("$ref", "is not a JSON pointer: " + ref);
        }
        if (target.isMissingNode()) {
            throw at.keywordError("$ref", "points at nothing: " + ref);
        }
        Location location = new Location(pointer, false);
        JsonNode node = root;
        for (JsonPointer step = JsonPointer.compile(pointer); !step.matches(); step = step.tail()) {
            node = node.isArray() ? node.get(step.getMatchingIndex()) : node.get(step.getMatchingProperty());
            if (node.isObject() && node.has("$id")) {
                location = location.enteringNestedResource();
            }
        }
        return new Target(target, location);
    }

    /** A URI fragment is percent-encoded, and so the JSON pointer in it. */
    private static String percentDecoded(String fragment, Location at) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < fragment.length(); ) {
            if (fragment.charAt(i) == '%') {
                try {
                    bytes.write(Integer.parseInt(fragment.substring(i + 1, i + 3), 16));
                } catch (NumberFormatException | IndexOutOfBoundsException e) {
                    throw at.keywordError("$ref", "has a malformed percent escape");
                }
                i += 3;
            } else {
                int c = fragment.codePointAt(i);
                bytes.writeBytes(new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(c);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
