package ai.lmi.server.worker;

import java.util.ArrayList;
import java.util.List;

/**
 * One process's place in a tensor-parallel worker group: its rank, the group's size, where the ranks meet to form
 * their torch.distributed process group, and how many of them share this machine ({@code localSize}, the size on
 * one node).
 */
record TensorParallelRank(int rank, int size, MasterAddress master, int localSize) {

    TensorParallelRank {
        if (size < 2 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " of a group of " + size
                    + ": a group has at least 2 ranks, numbered from 0");
        }
        if (localSize < 1 || size % localSize != 0) {
            throw new IllegalArgumentException(localSize + " ranks per node do not divide a group of " + size);
        }
    }

    /** A rank of a group on one machine. */
    TensorParallelRank(int rank, int size, MasterAddress master) {
        this(rank, size, master, size);
    }

    /**
     * The worker's flags for it: {@code --tp-rank R --tp-size N --tp-master HOST:PORT}, and
     * {@code --tp-local-size L} when the group spans several nodes.
     */
    List<String> arguments() {
        List<String> flags = new ArrayList<>(List.of("--tp-rank", Integer.toString(rank), "--tp-size",
                Integer.toString(size), "--tp-master", master.hostPort()));
        if (localSize != size) {
            flags.addAll(List.of("--tp-local-size", Integer.toString(localSize)));
        }
        return List.copyOf(flags);
    }
}
