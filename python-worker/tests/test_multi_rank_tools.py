"""The tensor-parallel benchmark's figures, and which ranks a node of a multi-node group runs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lmi_worker.node import local_ranks, rank_command

PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


def test_tp_bench_reports_both_degrees_and_the_group_s_message_costs(tiny_llama_dir):
    out = subprocess.run([sys.executable, "-m", "lmi_worker.tp_bench", "--model", str(tiny_llama_dir), "--tp", "1,2",
                          "--batch", "1,2", "--prompt", "8", "--decode", "2", "--kv-cache-bytes", str(8 << 20)],
                         env=dict(os.environ, PYTHONPATH=PACKAGE_DIR), capture_output=True, text=True, timeout=300,
                         check=True).stdout
    runs = json.loads(out.splitlines()[-1])["runs"]
    assert [r["tensor_parallel_degree"] for r in runs] == [1, 2]
    assert all(row["decode_tokens_per_s"] > 0 for r in runs for row in r["results"])
    assert [row["batch"] for row in runs[1]["results"]] == [1, 2]
    assert runs[1]["broadcast_empty_step_us"] > 0 and runs[1]["all_reduce_64_rows_us"] > 0
    assert "broadcast_empty_step_us" not in runs[0]


def test_each_node_runs_its_contiguous_share_of_the_ranks():
    assert [local_ranks(8, 2, node) for node in (0, 1)] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert local_ranks(2, 2, 1) == [1]
    assert rank_command(5, 8, 4, "192.0.2.1:29500")[2:] == [
        "lmi_worker", "--tp-rank", "5", "--tp-size", "8", "--tp-local-size", "4", "--tp-master", "192.0.2.1:29500"]


@pytest.mark.parametrize("size, nnodes, node, message", [
    (3, 2, 1, "option.tensor_parallel_degree 3 must be a multiple of LMI_NNODES 2"),
    (4, 2, 2, "LMI_NODE_RANK 2 is not in 0..1"),
])
def test_a_degree_or_node_that_does_not_fit_is_refused(size, nnodes, node, message):
    with pytest.raises(ValueError, match=message):
        local_ranks(size, nnodes, node)
