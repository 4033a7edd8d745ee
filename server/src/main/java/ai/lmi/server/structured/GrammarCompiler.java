package ai.lmi.server.structured;

import ai.lmi.server.tokenizer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles grammars into token automata for one model's vocabulary, keeping the most recently used ones: a
 * schema sent with every request is compiled once. Thread-safe; compiling runs on the caller's thread, so a
 * request's HTTP thread pays for its own new grammar and the engine thread never compiles.
 */
public final class GrammarCompiler {
    private static final Logger log = LoggerFactory.getLogger(GrammarCompiler.class);
    /** Compiled grammars kept; each holds its automaton and the masks of the states used so far. */
    static final int CACHE_SIZE = 64;

    private final Tokenizer tokenizer;
    private volatile TokenVocabulary vocabulary;
    private final Map<Grammar, TokenAutomaton> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Grammar, TokenAutomaton> eldest) {
            return size() > CACHE_SIZE;
        }
    };

    public GrammarCompiler(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * The automaton of {@code grammar}, from the cache or compiled now, with the start state's mask computed.
     *
     * @throws IllegalArgumentException naming what the grammar does wrong or what is not supported
     */
    public TokenAutomaton compile(Grammar grammar) {
        synchronized (cache) {
            TokenAutomaton cached = cache.get(grammar);
            if (cached != null) {
                return cached;
            }
        }
        long started = System.nanoTime();
        TokenAutomaton automaton = new TokenAutomaton(grammar.describe(), ByteDfa.compile(grammar.regex()),
                vocabulary());
        automaton.mask(automaton.start());
        log.info("compiled {} into {} states in {} ms", grammar.describe(), automaton.numStates(),
                (System.nanoTime() - started) / 1_000_000);
        synchronized (cache) {
            TokenAutomaton raced = cache.putIfAbsent(grammar, automaton);
            return raced == null ? automaton : raced;
        }
    }

    private TokenVocabulary vocabulary() {
        TokenVocabulary current = vocabulary;
        if (current == null) {
            synchronized (this) {
                current = vocabulary;
                if (current == null) {
                    long started = System.nanoTime();
                    current = TokenVocabulary.of(tokenizer);
                    vocabulary = current;
                    log.info("read the bytes of {} tokens for structured output in {} ms", current.size(),
                            (System.nanoTime() - started) / 1_000_000);
                }
            }
        }
        return current;
    }
}
