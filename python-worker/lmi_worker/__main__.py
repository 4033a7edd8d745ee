"""Starts a worker: python3 -m lmi_worker --socket PATH --shm PATH [--spin-us 50] [--log-level INFO]."""

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
    parser.add_argument("--socket", required=True, help="the parent's Unix socket to connect to")
    parser.add_argument("--shm", required=True, help="the shared-memory file the parent created")
    parser.add_argument("--spin-us", type=float, default=50.0,
                        help="microseconds to poll the step ring before sleeping on the socket (default 50)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    # module:Class of a stand-in engine, for protocol tests and IPC benchmarks.
    parser.add_argument("--engine", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=args.log_level,
                        format=f"[worker {os.getpid()}] %(levelname)s %(name)s: %(message)s")
    from .worker import DEFAULT_ENGINE, run
    return run(args.socket, args.shm, args.engine or DEFAULT_ENGINE, args.spin_us)


if __name__ == "__main__":
    sys.exit(main())
