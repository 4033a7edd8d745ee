"""A worker node of a multi-node tensor-parallel group: runs this node's ranks, and runs them again after a failure.

    python3 -m lmi_worker.node [--tp-size N] [--nnodes M] [--node-rank K] [--leader HOST:PORT]

torchrun's semantics: M nodes of N / M ranks each, node K holding ranks K * N / M .. (K + 1) * N / M - 1;
node 0 is the leader, where the server runs and starts ranks 0 .. N / M - 1 itself, rank 0 gathering
the group at the leader's address. Defaults come from the environment the platform's launcher sets:
TENSOR_PARALLEL_DEGREE (or OPTION_TENSOR_PARALLEL_DEGREE), LMI_NNODES, LMI_NODE_RANK, LMI_LEADER_ADDR
and LMI_LEADER_PORT. When any rank here exits (the group broke, or the leader restarts it), the others
here are stopped and all start again, to wait for the leader's next group.
"""

import argparse
import logging
import os
import signal
import subprocess
import sys
import time
from typing import List

log = logging.getLogger("lmi_worker.node")
RESTART_DELAY_S = 1.0
DEFAULT_LEADER_PORT = 29500


def local_ranks(size: int, nnodes: int, node_rank: int) -> List[int]:
    """The ranks node `node_rank` of `nnodes` runs; raises ValueError when the degree does not split."""
    if nnodes < 1 or not 0 <= node_rank < nnodes:
        raise ValueError(f"LMI_NODE_RANK {node_rank} is not in 0..{nnodes - 1} (LMI_NNODES {nnodes})")
    if size % nnodes:
        raise ValueError(f"option.tensor_parallel_degree {size} must be a multiple of LMI_NNODES {nnodes}")
    per_node = size // nnodes
    return list(range(node_rank * per_node, (node_rank + 1) * per_node))


def rank_command(rank: int, size: int, local_size: int, leader: str) -> List[str]:
    return [sys.executable, "-m", "lmi_worker", "--tp-rank", str(rank), "--tp-size", str(size),
            "--tp-local-size", str(local_size), "--tp-master", leader]


class NodeRanks:
    """This node's rank processes, started together and stopped together."""

    def __init__(self, ranks: List[int], commands: List[List[str]]):
        self.ranks = ranks
        self.commands = commands
        self.processes: List[subprocess.Popen] = []
        self.stopping = False

    def run(self) -> int:
        """Starts the ranks again each time one exits, until SIGTERM or SIGINT; the exit status."""
        while not self.stopping:
            self.processes = [subprocess.Popen(c, stdin=subprocess.DEVNULL) for c in self.commands]
            log.info("started ranks %s (pids %s)", self.ranks, [p.pid for p in self.processes])
            exited = self._first_exit()
            self.stop()
            if exited is not None and not self.stopping:
                log.warning("rank %d exited with %s; starting this node's ranks again in %.0f s",
                            self.ranks[exited], self.processes[exited].returncode, RESTART_DELAY_S)
                time.sleep(RESTART_DELAY_S)
        return 0

    def _first_exit(self):
        while not self.stopping:
            for i, process in enumerate(self.processes):
                if process.poll() is not None:
                    return i
            time.sleep(0.2)
        return None

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def on_signal(self, signum, frame) -> None:
        self.stopping = True


def main(argv=None) -> int:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python3 -m lmi_worker.node", description=__doc__.splitlines()[0])
    parser.add_argument("--tp-size", type=int,
                        default=int(env.get("TENSOR_PARALLEL_DEGREE") or env.get("OPTION_TENSOR_PARALLEL_DEGREE")
                                    or 1))
    parser.add_argument("--nnodes", type=int, default=int(env.get("LMI_NNODES", "1")))
    parser.add_argument("--node-rank", type=int, default=int(env.get("LMI_NODE_RANK", "0")))
    parser.add_argument("--leader", default=f"{env.get('LMI_LEADER_ADDR', '127.0.0.1')}:"
                                            f"{env.get('LMI_LEADER_PORT', DEFAULT_LEADER_PORT)}",
                        help="host:port where rank 0, on the leader, gathers the group")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format=f"[node {args.node_rank} {os.getpid()}] %(levelname)s %(name)s: %(message)s")
    try:
        ranks = local_ranks(args.tp_size, args.nnodes, args.node_rank)
    except ValueError as e:
        parser.error(str(e))
    if args.node_rank == 0:
        parser.error("node 0 is the leader: start the server there (./lmi serve), which runs its ranks itself")
    node = NodeRanks(ranks, [rank_command(r, args.tp_size, len(ranks), args.leader) for r in ranks])
    signal.signal(signal.SIGTERM, node.on_signal)
    signal.signal(signal.SIGINT, node.on_signal)
    return node.run()


if __name__ == "__main__":
    sys.exit(main())
