package ai.lmi.server.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The multi-node layout read from the launcher's environment, and the flags it gives the leader's ranks. */
class NodeLayoutTest {

    @Test
    void noVariablesIsOneMachine() {
        assertEquals(NodeLayout.SINGLE, NodeLayout.fromEnvironment(Map.of()));
        assertEquals(NodeLayout.SINGLE, NodeLayout.fromEnvironment(Map.of("LMI_NNODES", "1", "LMI_NODE_RANK", "0")));
    }

    @Test
    void twoNodesMeetAtTheLeadersAddressOnTheDefaultPort() {
        NodeLayout nodes = NodeLayout.fromEnvironment(Map.of("LMI_NNODES", "2", "LMI_LEADER_ADDR", "192.0.2.1"));
        assertEquals(new NodeLayout(2, "192.0.2.1", 29500), nodes);
        assertEquals(4, nodes.localRanks(8));
    }

    @Test
    void theLeadersRanksSayHowManyShareItsMachine() {
        TensorParallelRank rank = new TensorParallelRank(1, 4, new MasterAddress("192.0.2.1", 29511), 2);
        assertEquals(List.of("--tp-rank", "1", "--tp-size", "4", "--tp-master", "192.0.2.1:29511",
                "--tp-local-size", "2"), rank.arguments());
    }

    @Test
    void aLayoutThatCannotWorkIsRefusedNamingTheVariable() {
        assertEquals("LMI_NODE_RANK 1: the server runs on the leader, node 0; start this node's ranks with "
                + "./lmi worker-node instead", assertThrows(IllegalArgumentException.class,
                        () -> NodeLayout.fromEnvironment(Map.of("LMI_NNODES", "2", "LMI_NODE_RANK", "1",
                                "LMI_LEADER_ADDR", "192.0.2.1"))).getMessage());
        assertEquals("LMI_NNODES 2 needs LMI_LEADER_ADDR: the leader's address, which every node can reach",
                assertThrows(IllegalArgumentException.class,
                        () -> NodeLayout.fromEnvironment(Map.of("LMI_NNODES", "2"))).getMessage());
        assertEquals("LMI_LEADER_PORT x is not a whole number", assertThrows(IllegalArgumentException.class,
                () -> NodeLayout.fromEnvironment(Map.of("LMI_NNODES", "2", "LMI_LEADER_ADDR", "h",
                        "LMI_LEADER_PORT", "x"))).getMessage());
        assertEquals("option.tensor_parallel_degree 3 must be a multiple of LMI_NNODES 2",
                assertThrows(IllegalArgumentException.class,
                        () -> new NodeLayout(2, "h", 29500).localRanks(3)).getMessage());
    }
}
