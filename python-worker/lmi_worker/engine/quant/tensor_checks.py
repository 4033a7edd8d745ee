"""Checks a format loader makes on the checkpoint tensors it reads, each error naming the tensor."""

from typing import Mapping, Sequence, Tuple

import torch


def checked_tensor(tensors: Mapping[str, torch.Tensor], name: str, dtypes: Sequence[torch.dtype],
                   shapes: Sequence[Tuple[int, ...]], method: str) -> torch.Tensor:
    """tensors[name], which must have one of `dtypes` and one of `shapes`; ValueError naming it otherwise."""
    if name not in tensors:
        raise ValueError(f"tensor {name!r}, needed by quantization {method!r}, is missing from the checkpoint")
    tensor = tensors[name]
    if tensor.dtype not in dtypes:
        raise ValueError(f"tensor {name!r} has dtype {tensor.dtype}, quantization {method!r} needs "
                         f"{' or '.join(str(d) for d in dtypes)}")
    if tuple(tensor.shape) not in [tuple(s) for s in shapes]:
        raise ValueError(f"tensor {name!r} has shape {list(tensor.shape)}, quantization {method!r} with this "
                         f"config.json needs {' or '.join(str(list(s)) for s in shapes)}")
    return tensor
