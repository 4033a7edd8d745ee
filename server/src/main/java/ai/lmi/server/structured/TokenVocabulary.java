package ai.lmi.server.structured;

import ai.lmi.server.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Set;

/**
 * A model's tokens as structured output sees them: the bytes each adds to the text, in a trie, and the
 * end-of-sequence ids, which a constrained sequence may sample once its text is complete.
 */
final class TokenVocabulary {
    private final byte[][] tokens;
    private final TokenTrie trie;
    private final int[] eosIds;

    TokenVocabulary(byte[][] tokens, Set<Integer> eosIds) {
        this.tokens = tokens;
        this.trie = TokenTrie.of(tokens);
        this.eosIds = eosIds.stream().mapToInt(Integer::intValue).filter(id -> id >= 0 && id < tokens.length)
                .sorted().toArray();
    }

    static TokenVocabulary of(Tokenizer tokenizer) {
        byte[][] tokens = new byte[tokenizer.vocabSize()][];
        for (int id = 0; id < tokens.length; id++) {
            tokens[id] = tokenizer.tokenBytes(id);
        }
        return new TokenVocabulary(tokens, tokenizer.eosTokenIds());
    }

    int size() {
        return tokens.length;
    }

    /** The bytes of {@code id}; null for special tokens and ids outside the vocabulary. */
    byte[] bytes(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    TokenTrie trie() {
        return trie;
    }

    int[] eosIds() {
        return eosIds;
    }

    boolean isEos(int id) {
        return Arrays.binarySearch(eosIds, id) >= 0;
    }
}
