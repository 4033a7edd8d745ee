package ai.lmi.server.structured;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A vocabulary's token byte strings as a trie, so that finding the tokens an automaton state allows walks each
 * shared prefix once and drops a whole subtree at the first byte the state refuses.
 */
final class TokenTrie {
    /** Per node: its first child and its next sibling (-1: none), and the byte on the edge into it. */
    private final int[] firstChild;
    private final int[] nextSibling;
    private final byte[] label;
    /** Per node: its tokens, {@code tokenIds[tokenStart[n] .. tokenStart[n + 1])}. */
    private final int[] tokenStart;
    private final int[] tokenIds;

    private TokenTrie(int[] firstChild, int[] nextSibling, byte[] label, int[] tokenStart, int[] tokenIds) {
        this.firstChild = firstChild;
        this.nextSibling = nextSibling;
        this.label = label;
        this.tokenStart = tokenStart;
        this.tokenIds = tokenIds;
    }

    /** The trie of {@code tokens[id]}; null and empty entries (special tokens) are left out. */
    static TokenTrie of(byte[][] tokens) {
        Map<Long, Integer> edges = new HashMap<>();
        IntList parents = new IntList();
        IntList labels = new IntList();
        parents.add(-1);
        labels.add(0);
        int[] nodeOf = new int[tokens.length];
        for (int id = 0; id < tokens.length; id++) {
            byte[] bytes = tokens[id];
            nodeOf[id] = -1;
            if (bytes == null || bytes.length == 0) {
                continue;
            }
            int node = 0;
            for (byte b : bytes) {
                long key = ((long) node << 8) | (b & 0xFF);
                Integer child = edges.get(key);
                if (child == null) {
                    child = parents.size();
                    edges.put(key, child);
                    parents.add(node);
                    labels.add(b & 0xFF);
                }
                node = child;
            }
            nodeOf[id] = node;
        }
        int nodes = parents.size();
        int[] firstChild = new int[nodes];
        int[] nextSibling = new int[nodes];
        byte[] label = new byte[nodes];
        Arrays.fill(firstChild, -1);
        Arrays.fill(nextSibling, -1);
        for (int n = nodes - 1; n >= 1; n--) {
            int parent = parents.get(n);
            nextSibling[n] = firstChild[parent];
            firstChild[parent] = n;
            label[n] = (byte) labels.get(n);
        }
        int[] tokenStart = new int[nodes + 1];
        for (int node : nodeOf) {
            if (node >= 0) {
                tokenStart[node + 1]++;
            }
        }
        for (int n = 0; n < nodes; n++) {
            tokenStart[n + 1] += tokenStart[n];
        }
        int[] fill = Arrays.copyOf(tokenStart, nodes);
        int[] tokenIds = new int[tokenStart[nodes]];
        for (int id = 0; id < nodeOf.length; id++) {
            if (nodeOf[id] >= 0) {
                tokenIds[fill[nodeOf[id]]++] = id;
            }
        }
        return new TokenTrie(firstChild, nextSibling, label, tokenStart, tokenIds);
    }

    /** Sets, in {@code words}, the bit of every token whose bytes {@code dfa} reads from {@code state} to a live state. */
    void allowed(ByteDfa dfa, int state, int[] words) {
        int[] nodeStack = new int[64];
        int[] stateStack = new int[64];
        int top = 0;
        nodeStack[0] = 0;
        stateStack[0] = state;
        top = 1;
        while (top > 0) {
            top--;
            int node = nodeStack[top];
            int at = stateStack[top];
            for (int child = firstChild[node]; child >= 0; child = nextSibling[child]) {
                int next = dfa.step(at, label[child] & 0xFF);
                if (next < 0) {
                    continue;
                }
                for (int i = tokenStart[child]; i < tokenStart[child + 1]; i++) {
                    int id = tokenIds[i];
                    words[id >>> 5] |= 1 << (id & 31);
                }
                if (firstChild[child] >= 0) {
                    if (top == nodeStack.length) {
                        nodeStack = Arrays.copyOf(nodeStack, top * 2);
                        stateStack = Arrays.copyOf(stateStack, top * 2);
                    }
                    nodeStack[top] = child;
                    stateStack[top] = next;
                    top++;
                }
            }
        }
    }

    int numNodes() {
        return firstChild.length;
    }

    /** A growable int array, to build the trie without boxing every node. */
    private static final class IntList {
        private int[] values = new int[1024];
        private int size;

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int get(int i) {
            return values[i];
        }

        int size() {
            return size;
        }
    }
}
