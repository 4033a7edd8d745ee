package ai.lmi.server.worker;

import java.util.List;

/**
 * One process's place in a tensor-parallel worker group: its rank, the group's size, and where the ranks meet to
 * form their torch.distributed process group.
 */
record TensorParallelRank(int rank, int size, MasterAddress master) {

    TensorParallelRank {
        if (size < 2 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " of a group of " + size
                    + ": a group has at least 2 ranks, numbered from 0");
        }
    }

    /** The worker's flags for it: {@code --tp-rank R --tp-size N --tp-master HOST:PORT}. */
    List<String> arguments() {
        return List.of("--tp-rank", Integer.toString(rank), "--tp-size", Integer.toString(size), "--tp-master",
                master.hostPort());
    }
}
