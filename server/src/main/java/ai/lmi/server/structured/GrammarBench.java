package ai.lmi.server.structured;

import ai.lmi.server.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What structured output costs the daemon, per grammar, on a model's real vocabulary: compiling it, computing the
 * mask of a state the first time a sequence reaches it, and each later step (the cached mask, and advancing the
 * state by the sampled token). Walks draw uniformly among the allowed tokens, which visits far more states than
 * a trained model would. {@code ./lmi bench-grammar [--model DIR] [--walks N]} prints one row per grammar.
 */
public final class GrammarBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOKENS = 400;

    private GrammarBench() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> flags = flags(args);
        Tokenizer tokenizer = Tokenizer.load(Path.of(flags.getOrDefault("--model", ".")));
        int walks = Integer.parseInt(flags.getOrDefault("--walks", "20"));
        run(tokenizer, walks, System.out);
    }

    static void run(Tokenizer tokenizer, int walks, PrintStream out) throws IOException {
        long started = System.nanoTime();
        TokenVocabulary vocabulary = TokenVocabulary.of(tokenizer);
        out.printf("vocabulary: %d tokens read in %.0f ms (once per model)%n", vocabulary.size(),
                (System.nanoTime() - started) / 1e6);
        out.printf("%-28s %8s %12s %12s %8s %14s %14s %12s%n", "grammar", "states", "compile ms", "(warm) ms",
                "visited", "new state µs", "(p99) µs", "step µs");
        for (Map.Entry<String, Grammar> named : grammars().entrySet()) {
            Grammar grammar = named.getValue();
            double cold = compileMillis(grammar, vocabulary);
            double warm = Double.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                warm = Math.min(warm, compileMillis(grammar, vocabulary));
            }
            TokenAutomaton automaton = new TokenAutomaton(grammar.describe(), ByteDfa.compile(grammar.regex()),
                    vocabulary);
            Walks measured = walk(automaton, vocabulary, walks, new Random(named.getKey().hashCode()));
            out.printf("%-28s %8d %12.1f %12.1f %8d %14.0f %14.0f %12.2f%n", named.getKey(), automaton.numStates(),
                    cold, warm, measured.firstVisits.size(), mean(measured.firstVisits),
                    percentile(measured.firstVisits, 0.99), mean(measured.steps));
        }
    }

    /** A JSON schema, a tool call, any object, a regex and a choice: the shapes requests send. */
    private static Map<String, Grammar> grammars() throws IOException {
        Map<String, Grammar> grammars = new LinkedHashMap<>();
        grammars.put("json_schema person", Grammar.jsonSchema(JSON.readTree("""
                {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20},
                 "age": {"type": "integer", "minimum": 0, "maximum": 120},
                 "email": {"type": "string", "format": "uuid"},
                 "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 3}},
                 "required": ["name", "age"], "additionalProperties": false}""")));
        grammars.put("json_schema long text", Grammar.jsonSchema(JSON.readTree("""
                {"type": "object", "properties": {"summary": {"type": "string", "maxLength": 300}},
                 "required": ["summary"], "additionalProperties": false}""")));
        grammars.put("tool call (2 tools)", Grammar.jsonSchema(JSON.readTree("""
                {"type": "array", "minItems": 1, "maxItems": 1, "items": {"anyOf": [
                 {"type": "object", "properties": {"name": {"const": "get_weather"}, "arguments": {"type": "object",
                  "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
                  "required": ["city"], "additionalProperties": false}},
                  "required": ["name", "arguments"], "additionalProperties": false},
                 {"type": "object", "properties": {"name": {"const": "search"}, "arguments": {"type": "object",
                  "properties": {"query": {"type": "string"}, "limit": {"type": "integer"}},
                  "required": ["query"], "additionalProperties": false}},
                  "required": ["name", "arguments"], "additionalProperties": false}]}}""")));
        grammars.put("json_object", Grammar.jsonObject());
        grammars.put("regex [A-Z][a-z]{1,8}-\\d{3}", Grammar.regex("[A-Z][a-z]{1,8}-\\d{3}"));
        grammars.put("choice (3)", Grammar.choice(List.of("positive", "negative", "neutral")));
        return grammars;
    }

    private static double compileMillis(Grammar grammar, TokenVocabulary vocabulary) {
        long started = System.nanoTime();
        TokenAutomaton automaton = new TokenAutomaton(grammar.describe(), ByteDfa.compile(grammar.regex()),
                vocabulary);
        automaton.mask(automaton.start());
        return (System.nanoTime() - started) / 1e6;
    }

    /** Timings in µs: each state's first mask, and every step after (cached mask + advance). */
    private record Walks(List<Double> firstVisits, List<Double> steps) {}

    private static Walks walk(TokenAutomaton automaton, TokenVocabulary vocabulary, int walks, Random random) {
        List<Double> firstVisits = new ArrayList<>();
        List<Double> steps = new ArrayList<>();
        boolean[] seen = new boolean[automaton.numStates()];
        for (int w = 0; w < walks; w++) {
            int state = automaton.start();
            for (int t = 0; t < MAX_TOKENS; t++) {
                boolean first = !seen[state];
                seen[state] = true;
                long started = System.nanoTime();
                int[] mask = automaton.mask(state);
                int token = pick(mask, random);
                int next = automaton.next(state, token);
                double micros = (System.nanoTime() - started) / 1e3;
                (first ? firstVisits : steps).add(micros);
                if (vocabulary.isEos(token)) {
                    break;
                }
                state = next;
            }
        }
        return new Walks(firstVisits, steps);
    }

    /** A uniformly random set bit: what a model with flat logits would sample under the mask. */
    private static int pick(int[] mask, Random random) {
        int count = 0;
        for (int word : mask) {
            count += Integer.bitCount(word);
        }
        int nth = random.nextInt(count);
        for (int i = 0; i < mask.length; i++) {
            int bits = Integer.bitCount(mask[i]);
            if (nth < bits) {
                int word = mask[i];
                for (int k = 0; k < nth; k++) {
                    word &= word - 1;
                }
                return (i << 5) + Integer.numberOfTrailingZeros(word);
            }
            nth -= bits;
        }
        throw new IllegalStateException("unreachable: the count covers every bit");
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static double percentile(List<Double> values, double q) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    private static Map<String, String> flags(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!Arrays.asList("--model", "--walks").contains(args[i])) {
                throw new IllegalArgumentException("unknown argument " + args[i] + "; use --model DIR, --walks N");
            }
            flags.put(args[i], args[i + 1]);
        }
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException(args[args.length - 1] + " needs a value");
        }
        return flags;
    }
}
