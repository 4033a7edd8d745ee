package ai.lmi.server.structured;

import java.util.Arrays;
import java.util.BitSet;
import org.apache.lucene.util.automaton.Automaton;
import org.apache.lucene.util.automaton.MinimizationOperations;
import org.apache.lucene.util.automaton.Operations;
import org.apache.lucene.util.automaton.TooComplexToDeterminizeException;
import org.apache.lucene.util.automaton.Transition;
import org.apache.lucene.util.automaton.UTF32ToUTF8;

/**
 * The minimal deterministic automaton over UTF-8 bytes of a regular expression (in the dialect of
 * {@link RegexParser}), for guided decoding: every state reachable from the start can still reach a match, so a
 * token (a byte string) may be emitted exactly when stepping through its bytes never gives -1.
 */
public final class ByteDfa {

    // Bounds the determinization effort, and the final states: the table holds 256 ints for each.
    private static final int WORK_LIMIT = 100_000;

    private static final int ALPHABET = 256;

    private final int numStates;
    private final int[] next;
    private final BitSet accept;
    private final BitSet hasTransitions;

    private ByteDfa(Automaton dfa) {
        numStates = dfa.getNumStates();
        next = new int[numStates * ALPHABET];
        Arrays.fill(next, -1);
        accept = new BitSet(numStates);
        hasTransitions = new BitSet(numStates);
        Transition transition = new Transition();
        for (int state = 0; state < numStates; state++) {
            accept.set(state, dfa.isAccept(state));
            int count = dfa.initTransition(state, transition);
            hasTransitions.set(state, count > 0);
            for (int i = 0; i < count; i++) {
                dfa.getNextTransition(transition);
                Arrays.fill(next, state * ALPHABET + transition.min, state * ALPHABET + transition.max + 1,
                        transition.dest);
            }
        }
    }

    /**
     * Full-match automaton of regex over UTF-8 bytes; IllegalArgumentException with a message naming the position
     * and construct, or the complexity limit, or that the pattern can match no string at all.
     */
    public static ByteDfa compile(String regex) {
        Automaton codePoints = RegexParser.parse(regex);
        Automaton bytes;
        try {
            // Minimizing over code points first keeps the UTF-8 automaton, which is far larger, small to start with.
            Automaton utf8 = Operations.intersection(
                    new UTF32ToUTF8().convert(MinimizationOperations.minimize(codePoints, WORK_LIMIT)),
                    WellFormedUtf8.automaton());
            if (utf8.getNumStates() > RegexParser.MAX_STATES) {
                throw RegexParser.tooComplex();
            }
            // minimize determinizes first. It leaves no dead state today, but step() != -1 meaning "still a viable
            // prefix" rests on there being none, so they are removed whatever Lucene does.
            bytes = Operations.removeDeadStates(MinimizationOperations.minimize(utf8, WORK_LIMIT));
        } catch (TooComplexToDeterminizeException e) {
            throw new IllegalArgumentException(
                    "the pattern is too complex: determinizing it takes more than " + WORK_LIMIT + " units of work",
                    e);
        }
        if (bytes.getNumStates() == 0) {
            throw new IllegalArgumentException("the pattern can match no string");
        }
        if (bytes.getNumStates() > WORK_LIMIT) {
            throw new IllegalArgumentException(
                    "the pattern is too complex: its byte automaton has more than " + WORK_LIMIT + " states");
        }
        return new ByteDfa(bytes);
    }

    public int start() {
        return 0;
    }

    /** The next state after byte b (0..255; a signed byte works too), or -1 when no match can follow. */
    public int step(int state, int b) {
        return next[state * ALPHABET + (b & 0xFF)];
    }

    public boolean isAccept(int state) {
        return accept.get(state);
    }

    /** Whether some byte leads on from state (false: the match is complete and nothing may follow). */
    public boolean hasTransitions(int state) {
        return hasTransitions.get(state);
    }

    public int numStates() {
        return numStates;
    }

    /** Whether the whole of utf8 is a match. */
    public boolean matches(byte[] utf8) {
        int state = start();
        for (byte b : utf8) {
            state = step(state, b);
            if (state < 0) {
                return false;
            }
        }
        return isAccept(state);
    }
}
