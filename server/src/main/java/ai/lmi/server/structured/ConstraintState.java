package ai.lmi.server.structured;

/**
 * Where one constrained generation stands in its automaton: the mask of its next token, advanced by each token
 * it gains. Used by the engine thread only.
 */
public final class ConstraintState {
    private final TokenAutomaton automaton;
    private int state;

    public ConstraintState(TokenAutomaton automaton) {
        this.automaton = automaton;
        this.state = automaton.start();
    }

    /** The tokens allowed next, shared with every sequence in the same state. */
    public int[] mask() {
        return automaton.mask(state);
    }

    public int maskWords() {
        return automaton.maskWords();
    }

    /**
     * Follows a sampled token.
     *
     * @throws IllegalStateException when the mask did not allow it: the worker broke the constraint
     */
    public void advance(int tokenId) {
        int next = automaton.next(state, tokenId);
        if (next < 0) {
            throw new IllegalStateException("token " + tokenId + " breaks the grammar " + automaton.description()
                    + ", whose mask did not allow it");
        }
        state = next;
    }

    /** Whether the output so far is a whole match of the grammar. */
    public boolean isComplete() {
        return automaton.isComplete(state);
    }
}
