"""Running one engine over a tensor-parallel group: rank 0 broadcasts each step, the followers execute it too.

Every rank validates a step the same way, so a malformed step raises the same StepError on each and
none of them enters the forward's collectives; any other failure breaks the group, and a follower then
exits so that the parent restarts every rank.
"""

import logging

from ..ipc.step_codec import decode_step, encode_step
from .step import StepBatch, StepError, StepOutput
from .tensor_parallel import TensorParallel

log = logging.getLogger(__name__)


class LeaderEngine:
    """Rank 0's engine as an offline driver sees it: `execute` sends the step to the followers first."""

    def __init__(self, engine, tp: TensorParallel):
        self.engine = engine
        self.tp = tp

    @property
    def capacity(self):
        return self.engine.capacity

    @property
    def model(self):
        return self.engine.model

    def execute(self, batch: StepBatch) -> StepOutput:
        self.tp.broadcast_message(encode_step(batch))
        return self.engine.execute(batch)

    def stop(self) -> None:
        """Lets the followers return from `follow`."""
        self.tp.broadcast_message(None)


def follow(engine, tp: TensorParallel) -> None:
    """A follower's life after loading: executes each step rank 0 broadcasts until rank 0 stops the group."""
    while (message := tp.broadcast_message(None)) is not None:
        batch = decode_step(message)
        try:
            engine.execute(batch)
        except StepError as e:
            log.debug("step %d rejected on rank %d too (code %d): %s", batch.step_id, tp.rank, e.code, e)
