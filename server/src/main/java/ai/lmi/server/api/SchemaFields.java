package ai.lmi.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The fields one JSON object of a request schema may hold: those served, and those known but not served yet, which
 * are refused unless they hold a value that asks for nothing ({@code "tools": []}). Any other field is a 400 that
 * names it and lists the served ones, so that neither a typo nor an unserved feature is silently ignored. A field
 * whose value is {@code null} counts as absent, as everywhere in {@link FieldReader}.
 */
final class SchemaFields {

    /** A known field that is not served yet: why, and the values that ask for nothing (none: any value is refused). */
    private record NotServed(String why, List<JsonNode> noOpValues) {}

    /** e.g. {@code a completions request}, as the unknown-field message names the object. */
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final int MAX_SHOWN_NAME = 64;

    private final String object;
    private final TreeSet<String> served = new TreeSet<>();
    private final Map<String, NotServed> notServed = new LinkedHashMap<>();

    private SchemaFields(String object, String... served) {
        this.object = object;
        this.served.addAll(List.of(served));
    }

    static SchemaFields of(String object, String... served) {
        return new SchemaFields(object, served);
    }

    /**
     * Adds a known field that is not served yet.
     *
     * @param why what is not implemented, for the message
     * @param noOpValues the values, as JSON text, that ask for nothing and are accepted
     */
    SchemaFields notServed(String field, String why, String... noOpValues) {
        List<JsonNode> values = new ArrayList<>();
        for (String value : noOpValues) {
            try {
                values.add(Json.MAPPER.readTree(value));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
        notServed.put(field, new NotServed(why, List.copyOf(values)));
        return this;
    }

    /**
     * A field name as a message shows it: plain names as they are; an empty, odd or huge one quoted as JSON (and cut
     * short), so that the message still shows where the name begins and ends.
     */
    private static String shown(String name) {
        if (PLAIN_NAME.matcher(name).matches()) {
            return name;
        }
        String cut = name.length() > MAX_SHOWN_NAME ? name.substring(0, MAX_SHOWN_NAME) + "..." : name;
        return quoted(cut);
    }

    private static String quoted(String text) {
        try {
            return Json.MAPPER.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Checks the fields of the object {@code fields} reads. */
    void check(FieldReader fields) {
        check(fields.node(), fields.prefix());
    }

    /**
     * Checks the fields of {@code object}.
     *
     * @param prefix its path followed by a dot, as messages name its fields ({@code messages[0].}); empty at the root
     */
    void check(JsonNode object, String prefix) {
        Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (value.isNull() || served.contains(name)) {
                continue;
            }
            NotServed known = notServed.get(name);
            if (known == null) {
                throw ApiException.badRequest(prefix + shown(name) + " is not a field of " + this.object
                        + "; its fields are " + String.join(", ", served));
            }
            if (known.noOpValues().stream().noneMatch(noOp -> sameValue(noOp, value))) {
                throw ApiException.badRequest(prefix + name + " is not supported yet (" + known.why() + "); "
                        + accepted(known));
            }
        }
    }

    private static String accepted(NotServed known) {
        if (known.noOpValues().isEmpty()) {
            return "leave it out";
        }
        return "leave it out or send " + known.noOpValues().stream().map(Json::write)
                .collect(Collectors.joining(" or "));
    }

    // 1 and 1.0 are the same number; anything else must be equal as JSON. 1e999 reads as infinity, which no
    // BigDecimal holds, and is no no-op value anyway.
    private static boolean sameValue(JsonNode expected, JsonNode got) {
        if (expected.isNumber() && got.isNumber()) {
            if (!Double.isFinite(got.doubleValue())) {
                return false;
            }
            return expected.decimalValue().compareTo(got.decimalValue()) == 0;
        }
        return expected.equals(got);
    }
}
