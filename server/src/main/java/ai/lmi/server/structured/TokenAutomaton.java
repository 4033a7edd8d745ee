package ai.lmi.server.structured;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A grammar compiled against a vocabulary: which tokens each state of its byte automaton allows next, and the
 * state a token leads to. A state's mask is computed once, on first use, and shared by every sequence in it;
 * the automaton itself is shared by every request with the same grammar.
 *
 * <p>End-of-sequence tokens are allowed exactly where the text so far is a whole match; where nothing may follow
 * they are all that is allowed. A state that allows no token at all (a vocabulary that cannot spell what the
 * grammar needs next) allows the end-of-sequence tokens too, so that the generation ends instead of failing.
 */
public final class TokenAutomaton {
    private final String description;
    private final ByteDfa dfa;
    private final TokenVocabulary vocabulary;
    private final int words;
    private final AtomicReferenceArray<int[]> masks;

    TokenAutomaton(String description, ByteDfa dfa, TokenVocabulary vocabulary) {
        this.description = description;
        this.dfa = dfa;
        this.vocabulary = vocabulary;
        this.words = (vocabulary.size() + 31) >>> 5;
        this.masks = new AtomicReferenceArray<>(dfa.numStates());
    }

    /** The state before any output. */
    public int start() {
        return dfa.start();
    }

    /** 32-bit words per mask. */
    public int maskWords() {
        return words;
    }

    /**
     * The tokens {@code state} allows, as bits of 32-bit words (bit {@code id & 31} of word {@code id >> 5}).
     * Shared: do not change it.
     */
    public int[] mask(int state) {
        int[] mask = masks.get(state);
        if (mask == null) {
            mask = computeMask(state);
            masks.compareAndSet(state, null, mask);
        }
        return mask;
    }

    /**
     * The state after {@code tokenId}; an end-of-sequence or other special token leaves it where it is (it adds
     * no text). -1 when the state does not allow the token.
     */
    public int next(int state, int tokenId) {
        byte[] bytes = vocabulary.bytes(tokenId);
        if (bytes == null) {
            return state;
        }
        int at = state;
        for (int i = 0; i < bytes.length && at >= 0; i++) {
            at = dfa.step(at, bytes[i] & 0xFF);
        }
        return at;
    }

    /** Whether the text that led to {@code state} is a whole match. */
    public boolean isComplete(int state) {
        return dfa.isAccept(state);
    }

    public int numStates() {
        return dfa.numStates();
    }

    /** What the grammar is, for logs and errors: its kind and a short excerpt. */
    public String description() {
        return description;
    }

    private int[] computeMask(int state) {
        int[] mask = new int[words];
        if (dfa.hasTransitions(state)) {
            vocabulary.trie().allowed(dfa, state, mask);
        }
        boolean none = true;
        for (int word : mask) {
            if (word != 0) {
                none = false;
                break;
            }
        }
        if (dfa.isAccept(state) || none) {
            for (int id : vocabulary.eosIds()) {
                mask[id >>> 5] |= 1 << (id & 31);
            }
        }
        return mask;
    }
}
