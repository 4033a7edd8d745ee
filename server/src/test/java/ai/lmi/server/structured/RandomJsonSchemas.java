package ai.lmi.server.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Seeded random JSON Schemas (draft 2020-12) built from the keywords guided decoding supports, each with a finite
 * language small enough that a sampled output ends well within a thousand tokens: every string has a length bound,
 * a bounded pattern, a format or listed values; every array a maxItems; containers nest at most three deep.
 */
public final class RandomJsonSchemas {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 3;
    /** Leaves an output may hold, counting each leaf once per item of every array around it. */
    private static final int LEAF_BUDGET = 16;
    private static final List<String> NAMES = List.of("id", "name", "age", "email", "tags", "score", "active", "city",
            "items", "price", "owner", "when", "kind", "notes", "count", "ratio", "label", "code", "parent", "x");
    private static final List<String> PATTERNS = List.of("^[a-z]{1,6}$", "^[A-Z][a-z]{0,5}$", "^\\d{3}-\\d{4}$",
            "^(red|green|blue)$", "^[0-9a-f]{4,8}$", "^[a-z]{2,5}_[0-9]{1,3}$", "^v[0-9]\\.[0-9]{1,2}$");
    private static final List<String> FORMATS = List.of("date", "uuid", "date-time");
    private static final List<String> WORDS = List.of("alpha", "beta", "gamma", "a \"quoted\" one", "naïve", "x/y",
            "line\nbreak", "", "42", "tab\there");

    private final Random random;
    private final List<String> definitions = new ArrayList<>();
    private int leavesLeft = LEAF_BUDGET;

    private RandomJsonSchemas(Random random) {
        this.random = random;
    }

    /** A schema whose root is an object most of the time, as guided_json and response_format are used. */
    public static ObjectNode schema(Random random) {
        return new RandomJsonSchemas(random).root();
    }

    private ObjectNode root() {
        ObjectNode defs = NODES.objectNode();
        if (random.nextInt(4) == 0) {
            for (int i = 0; i <= random.nextInt(2); i++) {
                String name = "def" + i;
                defs.set(name, random.nextBoolean() ? scalar(1) : object(MAX_DEPTH - 1, 1));
                definitions.add(name);
            }
        }
        ObjectNode root = switch (random.nextInt(10)) {
            case 0 -> array(0, 1);
            case 1 -> anyOf(0, 1);
            default -> object(0, 1);
        };
        if (!defs.isEmpty()) {
            root.set("$defs", defs);
        }
        return root;
    }

    /** A subschema at depth (containers above it), whose value occurs up to weight times in an output. */
    private ObjectNode any(int depth, int weight) {
        int roll = random.nextInt(20);
        if (depth < MAX_DEPTH && leavesLeft >= 2 * weight) {
            if (roll < 3) {
                return object(depth, weight);
            }
            if (roll < 5) {
                return array(depth, weight);
            }
            if (roll < 6) {
                return anyOf(depth, weight);
            }
        }
        if (roll < 7 && !definitions.isEmpty()) {
            leavesLeft -= weight;
            return NODES.objectNode().put("$ref", "#/$defs/" + definitions.get(random.nextInt(definitions.size())));
        }
        return scalar(weight);
    }

    private ObjectNode object(int depth, int weight) {
        ObjectNode schema = NODES.objectNode().put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        List<String> names = new ArrayList<>(NAMES);
        Collections.shuffle(names, random);
        int count = 1 + random.nextInt(depth == 0 ? 4 : 3);
        ArrayNode required = NODES.arrayNode();
        for (String name : names.subList(0, count)) {
            properties.set(name, any(depth + 1, weight));
            if (random.nextInt(3) > 0) {
                required.add(name);
            }
        }
        if (!required.isEmpty()) {
            schema.set("required", required);
        }
        if (random.nextBoolean()) {
            schema.put("additionalProperties", false);
        }
        return schema;
    }

    private ObjectNode array(int depth, int weight) {
        int minItems = random.nextInt(2);
        int maxItems = minItems + 1 + random.nextInt(3 - minItems);
        ObjectNode schema = NODES.objectNode().put("type", "array");
        schema.set("items", any(depth + 1, weight * maxItems));
        if (minItems > 0) {
            schema.put("minItems", minItems);
        }
        return schema.put("maxItems", maxItems);
    }

    /** Branches of distinct JSON types, so that which one matched is never in doubt. */
    private ObjectNode anyOf(int depth, int weight) {
        ObjectNode schema = NODES.objectNode();
        ArrayNode branches = schema.putArray("anyOf");
        branches.add(random.nextBoolean() ? object(Math.min(depth + 1, MAX_DEPTH - 1), weight) : string(weight));
        branches.add(random.nextBoolean() ? integer(weight) : NODES.objectNode().put("type", "boolean"));
        if (random.nextBoolean()) {
            branches.add(NODES.objectNode().put("type", "null"));
        }
        return schema;
    }

    private ObjectNode scalar(int weight) {
        return switch (random.nextInt(9)) {
            case 0, 1 -> string(weight);
            case 2 -> integer(weight);
            case 3 -> number(weight);
            case 4 -> NODES.objectNode().put("type", "boolean");
            case 5 -> listed(weight);
            case 6 -> NODES.objectNode().set("const", value());
            case 7 -> nullable(weight);
            default -> formatted(weight);
        };
    }

    private ObjectNode string(int weight) {
        leavesLeft -= weight;
        ObjectNode schema = NODES.objectNode().put("type", "string");
        if (random.nextInt(3) == 0) {
            return schema.put("pattern", PATTERNS.get(random.nextInt(PATTERNS.size())));
        }
        int maxLength = random.nextInt(13);
        if (random.nextBoolean()) {
            schema.put("minLength", random.nextInt(maxLength + 1));
        }
        return schema.put("maxLength", maxLength);
    }

    private ObjectNode formatted(int weight) {
        leavesLeft -= weight;
        return NODES.objectNode().put("type", "string").put("format", FORMATS.get(random.nextInt(FORMATS.size())));
    }

    private ObjectNode integer(int weight) {
        leavesLeft -= weight;
        ObjectNode schema = NODES.objectNode().put("type", "integer");
        int low = random.nextInt(2001) - 1000;
        switch (random.nextInt(4)) {
            case 0 -> schema.put("minimum", low);
            case 1 -> schema.put("maximum", low);
            case 2 -> schema.put("minimum", low).put("maximum", low + random.nextInt(3000));
            default -> schema.put("exclusiveMinimum", low).put("exclusiveMaximum", low + 2 + random.nextInt(100));
        }
        return schema;
    }

    private ObjectNode number(int weight) {
        leavesLeft -= weight;
        ObjectNode schema = NODES.objectNode().put("type", "number");
        return switch (random.nextInt(3)) {
            case 0 -> schema.put("minimum", 0);
            case 1 -> schema.put("exclusiveMinimum", 0);
            default -> schema;
        };
    }

    private ObjectNode nullable(int weight) {
        leavesLeft -= weight;
        ObjectNode schema = NODES.objectNode();
        if (random.nextBoolean()) {
            schema.putArray("type").add("string").add("null");
            return schema.put("maxLength", 1 + random.nextInt(8));
        }
        schema.putArray("type").add("integer").add("null");
        return schema.put("minimum", 0).put("maximum", 99);
    }

    private ObjectNode listed(int weight) {
        leavesLeft -= weight;
        ObjectNode schema = NODES.objectNode();
        ArrayNode values = schema.putArray("enum");
        List<JsonNode> distinct = new ArrayList<>();
        for (int i = 0; i < 2 + random.nextInt(3); i++) {
            JsonNode value = value();
            if (!distinct.contains(value)) {
                distinct.add(value);
                values.add(value);
            }
        }
        return schema;
    }

    private JsonNode value() {
        return switch (random.nextInt(6)) {
            case 0 -> NODES.numberNode(random.nextInt(200) - 100);
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.nullNode();
            case 3 -> NODES.numberNode(random.nextInt(1000) / 8.0);
            case 4 -> NODES.arrayNode().add(random.nextInt(10)).add(WORDS.get(random.nextInt(WORDS.size())));
            default -> NODES.textNode(WORDS.get(random.nextInt(WORDS.size())));
        };
    }
}
