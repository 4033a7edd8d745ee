package ai.lmi.server.structured;

/**
 * Where a subschema sits in the schema document, as a JSON pointer, so that every refusal names it; and whether it
 * lies inside an embedded resource (a subschema with its own {@code $id}), where a {@code #/...} reference would
 * resolve against that resource instead of the document.
 */
record Location(String pointer, boolean insideNestedResource) {

    static final Location ROOT = new Location("", false);

    Location child(String token) {
        return new Location(pointer + "/" + token.replace("~", "~0").replace("/", "~1"), insideNestedResource);
    }

    Location child(String keyword, int index) {
        return child(keyword).child(Integer.toString(index));
    }

    Location enteringNestedResource() {
        return new Location(pointer, true);
    }

    IllegalArgumentException error(String problem) {
        return new IllegalArgumentException("json schema at " + (pointer.isEmpty() ? "/" : pointer) + ": " + problem);
    }

    IllegalArgumentException keywordError(String keyword, String problem) {
        return error("keyword \"" + keyword + "\" " + problem);
    }
}
