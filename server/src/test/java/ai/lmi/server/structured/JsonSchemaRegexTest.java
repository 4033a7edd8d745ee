package ai.lmi.server.structured;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Schemas compiled to byte automata: hand-written texts accepted and refused, keywords refused by name, and random
 * walks through the automata of 200 random schemas, each walk's text parsed and checked by an independent validator.
 */
class JsonSchemaRegexTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SchemaRegistry VALIDATORS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static final int RANDOM_SCHEMAS = 200;
    private static final int WALKS_PER_SCHEMA = 20;
    /** After this many bytes a walk heads for the nearest accepting state. */
    private static final int WANDER_BYTES = 300;

    private static ByteDfa dfa(String schema) throws Exception {
        return ByteDfa.compile(JsonSchemaRegex.of(JSON.readTree(schema)));
    }

    @Test
    void objectKeepsRequiredMembersAndDeclaredOrder() throws Exception {
        ByteDfa person = dfa("""
                {"type": "object", "properties": {"name": {"type": "string", "maxLength": 5},
                 "age": {"type": "integer", "minimum": 0, "maximum": 130}, "email": {"type": "string", "format": "uuid"}},
                 "required": ["name"]}""");
        for (String ok : List.of("{\"name\":\"Bo\"}", "{\"name\": \"Bo\", \"age\": 130}", "{\"name\":\"\",\"age\":0}",
                "{\"name\":\"\\u00e9\\\"\",\"email\":\"123e4567-e89b-12d3-a456-426614174000\"}")) {
            assertTrue(person.matches(ok.getBytes(UTF_8)), ok);
        }
        for (String bad : List.of("{}", "{\"age\":3}", "{\"age\":3,\"name\":\"Bo\"}", "{\"name\":\"Bo\",\"age\":131}",
                "{\"name\":\"toolong\"}", "{\"name\":\"Bo\",\"age\":-1}", "{\"name\":\"Bo\",\"age\":01}",
                "{ \"name\":\"Bo\"}", "{\"name\":\"Bo\",\"email\":\"not-a-uuid\"}", "{\"name\":\"Bo\",\"x\":1}")) {
            assertFalse(person.matches(bad.getBytes(UTF_8)), bad);
        }
    }

    @Test
    void arraysEnumsRefsAndNullableTypes() throws Exception {
        ByteDfa schema = dfa("""
                {"type": "array", "minItems": 1, "maxItems": 2, "items": {"anyOf": [{"$ref": "#/$defs/color"},
                 {"type": ["integer", "null"], "exclusiveMinimum": 0}]},
                 "$defs": {"color": {"enum": ["red", "green", [1, "x"]]}}}""");
        for (String ok : List.of("[\"red\"]", "[null, 7]", "[[1,\"x\"],\"green\"]", "[1]")) {
            assertTrue(schema.matches(ok.getBytes(UTF_8)), ok);
        }
        for (String bad : List.of("[]", "[0]", "[\"blue\"]", "[1,2,3]", "[true]", "[-4]")) {
            assertFalse(schema.matches(bad.getBytes(UTF_8)), bad);
        }
    }

    @Test
    void anchoredPatternAndDateFormat() throws Exception {
        ByteDfa schema = dfa("""
                {"type": "object", "properties": {"code": {"type": "string", "pattern": "^[a-z]{2}_[0-9]{1,3}$"},
                 "when": {"type": "string", "format": "date"}}, "required": ["code", "when"]}""");
        assertTrue(schema.matches("{\"code\":\"ab_12\",\"when\":\"2024-02-29\"}".getBytes(UTF_8)));
        assertFalse(schema.matches("{\"code\":\"ab_12\",\"when\":\"2023-02-29\"}".getBytes(UTF_8)));
        assertFalse(schema.matches("{\"code\":\"abc_1\",\"when\":\"2024-01-01\"}".getBytes(UTF_8)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"type\": \"object\", \"minProperties\": 1}|json schema at /: keyword \"minProperties\" is not supported",
        "{\"properties\": {\"a\": {\"type\": \"array\", \"uniqueItems\": true}}}"
                + "|json schema at /properties/a: keyword \"uniqueItems\" is not supported",
        "{\"$defs\": {\"n\": {\"not\": {}}}, \"$ref\": \"#/$defs/n\"}|json schema at /$defs/n: keyword \"not\" is not",
        "{\"$defs\": {\"t\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/$defs/t\"}}}, \"$ref\": \"#/$defs/t\"}"
                + "|is recursive",
    })
    void refusedKeywordsAreNamedWithTheirPointer(String schema, String message) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> JsonSchemaRegex.of(JSON.readTree(schema)));
        assertTrue(error.getMessage().contains(message), error.getMessage());
        if (error.getMessage().contains("is not supported (")) {
            assertTrue(error.getMessage().contains("(supported: type, properties, required"), error.getMessage());
        }
    }

    @Test
    void randomWalksThroughRandomSchemasParseAndValidate() throws Exception {
        Random random = new Random(7);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < RANDOM_SCHEMAS; i++) {
            JsonNode schema = RandomJsonSchemas.schema(random);
            ByteDfa dfa = ByteDfa.compile(JsonSchemaRegex.of(schema));
            Schema validator = VALIDATORS.getSchema(schema);
            int[] distance = distancesToAccept(dfa);
            for (int walk = 0; walk < WALKS_PER_SCHEMA; walk++) {
                String text = walk(dfa, distance, random);
                try {
                    JsonNode value = JSON.readTree(text);
                    var errors = validator.validate(value);
                    if (!errors.isEmpty()) {
                        failures.add(errors + " for " + schema + ": " + text);
                    }
                } catch (Exception e) {
                    failures.add("does not parse (" + e.getMessage() + ") for " + schema + ": " + text);
                }
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())), failures.size() + " walks failed");
    }

    /**
     * A random accepted text: uniform over the bytes allowed at each state, stopping at an accepting state with
     * probability 1/4 (always where nothing may follow), and after {@link #WANDER_BYTES} taking the shortest way out.
     */
    private static String walk(ByteDfa dfa, int[] distance, Random random) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int state = dfa.start();
        while (!(dfa.isAccept(state) && (!dfa.hasTransitions(state) || random.nextInt(4) == 0))) {
            int[] next = new int[256];
            int count = 0;
            int best = Integer.MAX_VALUE;
            for (int b = 0; b < 256; b++) {
                int to = dfa.step(state, b);
                if (to >= 0 && bytes.size() >= WANDER_BYTES) {
                    if (distance[to] < best) {
                        best = distance[to];
                        count = 0;
                    }
                    if (distance[to] > best) {
                        continue;
                    }
                }
                if (to >= 0) {
                    next[count++] = b;
                }
            }
            int b = next[random.nextInt(count)];
            bytes.write(b);
            state = dfa.step(state, b);
            if (bytes.size() >= WANDER_BYTES && dfa.isAccept(state)) {
                break;
            }
        }
        return bytes.toString(UTF_8);
    }

    /** Bytes from each state to the nearest accepting one, by breadth-first search over reversed transitions. */
    private static int[] distancesToAccept(ByteDfa dfa) {
        int n = dfa.numStates();
        List<List<Integer>> into = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            into.add(new ArrayList<>());
        }
        for (int s = 0; s < n; s++) {
            for (int b = 0; b < 256; b++) {
                int to = dfa.step(s, b);
                if (to >= 0) {
                    into.get(to).add(s);
                }
            }
        }
        int[] distance = new int[n];
        Arrays.fill(distance, Integer.MAX_VALUE);
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < n; s++) {
            if (dfa.isAccept(s)) {
                distance[s] = 0;
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            for (int from : into.get(s)) {
                if (distance[from] == Integer.MAX_VALUE) {
                    distance[from] = distance[s] + 1;
                    queue.add(from);
                }
            }
        }
        return distance;
    }
}
