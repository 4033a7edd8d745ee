"""Starts a worker: python3 -m lmi_worker --socket PATH --shm PATH [--spin-us 50] [--log-level INFO].

In a tensor-parallel group of N ranks every rank also gets --tp-rank R --tp-size N --tp-master HOST:PORT;
rank 0 is the worker above, and ranks 1..N-1 (followers) get no --socket or --shm: they take every
message from rank 0.
"""

import os

# Must precede torch's import (libgomp reads it once): OpenMP threads that busy-wait between
# parallel regions steal the cores OpenBLAS needs; passive waiting measured 2.7x faster decode on 2 cores.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m lmi_worker",
                                     description="An LMI worker; started by its parent, which listens on --socket.")
    parser.add_argument("--socket", help="the parent's Unix socket to connect to (every rank but followers)")
    parser.add_argument("--shm", help="the shared-memory file the parent created (every rank but followers)")
    parser.add_argument("--spin-us", type=float, default=50.0,
                        help="microseconds to poll the step ring before sleeping on the socket (default 50)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    parser.add_argument("--tp-rank", type=int, default=0, help="this process's tensor-parallel rank")
    parser.add_argument("--tp-size", type=int, default=1, help="ranks in the tensor-parallel group")
    parser.add_argument("--tp-master", help="host:port where rank 0 gathers the group (with --tp-size > 1)")
    parser.add_argument("--tp-local-size", type=int, default=None,
                        help="ranks on this machine, which share its CPUs (default: --tp-size, one machine)")
    # module:Class of a stand-in engine, for protocol tests and IPC benchmarks.
    parser.add_argument("--engine", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    group = args.tp_size > 1
    if group and not args.tp_master:
        parser.error("--tp-size > 1 needs --tp-master HOST:PORT")
    if not 0 <= args.tp_rank < args.tp_size:
        parser.error(f"--tp-rank {args.tp_rank} is not in 0..{args.tp_size - 1}")
    if args.tp_rank == 0 and not (args.socket and args.shm):
        parser.error("the worker (every rank but followers) needs --socket and --shm")
    rank = f" rank {args.tp_rank}" if group else ""
    logging.basicConfig(stream=sys.stderr, level=args.log_level,
                        format=f"[worker {os.getpid()}{rank}] %(levelname)s %(name)s: %(message)s")
    if group:
        from .rank_cpus import pin_rank
        local_size = args.tp_local_size or args.tp_size
        pin_rank(args.tp_rank % local_size, local_size)
    from .worker import DEFAULT_ENGINE, run, run_follower
    engine = args.engine or DEFAULT_ENGINE
    tp_group = (args.tp_rank, args.tp_size, args.tp_master) if group else None
    if args.tp_rank > 0:
        return run_follower(tp_group, engine)
    return run(args.socket, args.shm, engine, args.spin_us, tp_group)


if __name__ == "__main__":
    sys.exit(main())
