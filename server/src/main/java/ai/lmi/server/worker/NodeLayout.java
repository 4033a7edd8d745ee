package ai.lmi.server.worker;

import java.util.Map;

/**
 * How a tensor-parallel group spreads over nodes, with torchrun's semantics: {@code nodes} machines of
 * {@code degree / nodes} ranks each, node K holding ranks K·degree/nodes onwards. The server runs on node 0, the
 * leader, whose rank 0 gathers the group at {@code leaderHost:leaderPort}; the other nodes run their ranks with
 * {@code ./lmi worker-node}. Read from LMI_NNODES, LMI_NODE_RANK, LMI_LEADER_ADDR and LMI_LEADER_PORT.
 */
public record NodeLayout(int nodes, String leaderHost, int leaderPort) {

    /** One machine: every rank local, meeting on a loopback port picked for each start. */
    public static final NodeLayout SINGLE = new NodeLayout(1, null, 0);
    static final int DEFAULT_LEADER_PORT = 29500;

    public NodeLayout {
        if (nodes < 1) {
            throw new IllegalArgumentException("LMI_NNODES " + nodes + " must be at least 1");
        }
        if (nodes > 1 && (leaderHost == null || leaderHost.isBlank())) {
            throw new IllegalArgumentException("LMI_NNODES " + nodes + " needs LMI_LEADER_ADDR: the leader's address, "
                    + "which every node can reach");
        }
        if (nodes > 1 && (leaderPort < 1 || leaderPort > 65535)) {
            throw new IllegalArgumentException("LMI_LEADER_PORT " + leaderPort + " is not a TCP port");
        }
    }

    /**
     * The layout the platform's launcher set in {@code env}, for the server, which must be on node 0.
     *
     * @throws IllegalArgumentException naming the variable at fault
     */
    public static NodeLayout fromEnvironment(Map<String, String> env) {
        int nodes = number(env, "LMI_NNODES", 1);
        int nodeRank = number(env, "LMI_NODE_RANK", 0);
        if (nodeRank != 0) {
            throw new IllegalArgumentException("LMI_NODE_RANK " + nodeRank + ": the server runs on the leader, node 0; "
                    + "start this node's ranks with ./lmi worker-node instead");
        }
        if (nodes == 1) {
            return SINGLE;
        }
        return new NodeLayout(nodes, env.get("LMI_LEADER_ADDR"), number(env, "LMI_LEADER_PORT", DEFAULT_LEADER_PORT));
    }

    private static int number(Map<String, String> env, String variable, int fallback) {
        String value = env.get(variable);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + " " + value + " is not a whole number");
        }
    }

    /**
     * The ranks this node runs, 0 .. degree/nodes − 1.
     *
     * @throws IllegalArgumentException when the degree does not split over the nodes
     */
    public int localRanks(int degree) {
        if (degree % nodes != 0) {
            throw new IllegalArgumentException("option.tensor_parallel_degree " + degree
                    + " must be a multiple of LMI_NNODES " + nodes);
        }
        return degree / nodes;
    }
}
