package ai.lmi.server.structured;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lmi.server.api.TinyLlama;
import ai.lmi.server.tokenizer.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Token masks from the real tiny-llama vocabulary (Mistral's 32000-token BPE with byte fallback). */
class TokenAutomatonTest {

    private static final Tokenizer TOKENIZER = TinyLlama.tokenizer();
    private static final TokenVocabulary VOCABULARY = TokenVocabulary.of(TOKENIZER);

    private static TokenAutomaton automaton(String regex) {
        return new TokenAutomaton("test " + regex, ByteDfa.compile(regex), VOCABULARY);
    }

    private static boolean allowed(int[] mask, int id) {
        return (mask[id >>> 5] >>> (id & 31) & 1) != 0;
    }

    @Test
    void tokensAreTheBytesTheyAddToAText() {
        int hello = TOKENIZER.encode("Hello", false)[0];
        assertArrayEquals(" Hello".getBytes(StandardCharsets.UTF_8), TOKENIZER.tokenBytes(hello));
        int byteFallback = 0;
        for (int id = 0; id < 300; id++) {
            if (TOKENIZER.tokenText(id).equals("<0xE6>")) {
                byteFallback = id;
            }
        }
        assertArrayEquals(new byte[] {(byte) 0xE6}, TOKENIZER.tokenBytes(byteFallback));
        for (int eos : TOKENIZER.eosTokenIds()) {
            assertEquals(null, TOKENIZER.tokenBytes(eos));
        }
    }

    /** The trie walk and a token-by-token walk agree on every id, in every state a random walk visits. */
    @Test
    void aMaskAllowsExactlyTheTokensThatKeepAMatchPossible() {
        for (String regex : List.of("\\{\"name\": \"[a-z ]{0,12}\", \"ok\": (true|false)\\}", "-?(0|[1-9][0-9]{0,5})",
                "(yes|no|not sure)", "[^\"\\\\]{0,30}\"")) {
            TokenAutomaton automaton = automaton(regex);
            Random random = new Random(regex.hashCode());
            for (int walk = 0; walk < 3; walk++) {
                int state = automaton.start();
                for (int step = 0; step < 40; step++) {
                    int[] mask = automaton.mask(state);
                    List<Integer> choices = new ArrayList<>();
                    for (int id = 0; id < VOCABULARY.size(); id++) {
                        boolean viable = VOCABULARY.bytes(id) != null && automaton.next(state, id) >= 0;
                        boolean eos = VOCABULARY.isEos(id) && automaton.isComplete(state);
                        int token = id;
                        assertEquals(viable || eos, allowed(mask, id), () -> regex + ": token " + token);
                        if (viable) {
                            choices.add(id);
                        }
                    }
                    if (choices.isEmpty()) {
                        assertTrue(automaton.isComplete(state), regex + ": a state with no way on is a match");
                        break;
                    }
                    state = automaton.next(state, choices.get(random.nextInt(choices.size())));
                }
            }
        }
    }

    /** Taking random allowed tokens until only the end is allowed spells a match. */
    @Test
    void randomAllowedTokensSpellAMatchAndOnlyACompleteTextMayEnd() {
        String regex = "\\[(-?[0-9]{1,3}(, -?[0-9]{1,3}){0,4})?\\]";
        TokenAutomaton automaton = automaton(regex);
        Random random = new Random(1);
        for (int walk = 0; walk < 20; walk++) {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            int state = automaton.start();
            while (true) {
                int[] mask = automaton.mask(state);
                List<Integer> ids = new ArrayList<>();
                for (int id = 0; id < VOCABULARY.size(); id++) {
                    if (allowed(mask, id)) {
                        ids.add(id);
                    }
                }
                int id = ids.get(random.nextInt(ids.size()));
                if (VOCABULARY.isEos(id)) {
                    assertTrue(automaton.isComplete(state));
                    break;
                }
                byte[] bytes = VOCABULARY.bytes(id);
                text.write(bytes, 0, bytes.length);
                state = automaton.next(state, id);
            }
            String spelled = text.toString(StandardCharsets.UTF_8);
            assertTrue(Pattern.matches(regex, spelled), spelled);
        }
    }

    @Test
    void aCompleteTextWithNothingToFollowAllowsOnlyTheEnd() {
        TokenAutomaton automaton = automaton("ok");
        int state = automaton.next(automaton.start(), tokenFor("ok"));
        assertTrue(automaton.isComplete(state));
        int[] mask = automaton.mask(state);
        for (int id = 0; id < VOCABULARY.size(); id++) {
            assertEquals(VOCABULARY.isEos(id), allowed(mask, id), "token " + id);
        }
        assertFalse(automaton.isComplete(automaton.start()));
    }

    /** The id whose bytes are exactly {@code text}, with no leading space. */
    private static int tokenFor(String text) {
        byte[] want = text.getBytes(StandardCharsets.UTF_8);
        for (int id = 0; id < VOCABULARY.size(); id++) {
            if (java.util.Arrays.equals(want, VOCABULARY.bytes(id))) {
                return id;
            }
        }
        throw new AssertionError("no token is exactly " + text);
    }
}
