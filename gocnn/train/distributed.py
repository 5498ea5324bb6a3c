"""torchrun set-up, written once for the training loop and the RL driver.

Under ``torchrun --nproc-per-node N`` the environment names this process (``RANK``,
``LOCAL_RANK``) and the group size (``WORLD_SIZE``); without it every call here is a no-op on a
world of one.  :func:`setup` joins the process group (NCCL on GPUs, gloo on CPUs) and returns
the device this process works on; :func:`teardown` leaves it.
"""

from __future__ import annotations

import os

import torch


def world() -> int:
    """How many processes take part (1 outside torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    """This process's number (0 outside torchrun; rank 0 writes the files)."""
    return int(os.environ.get("RANK", "0"))


def setup(device: torch.device) -> torch.device:
    """Join the process group when there is more than one process; on GPUs each process takes
    the GPU of its ``LOCAL_RANK``.  Returns the device to work on."""
    if world() == 1:
        return device
    import torch.distributed as dist
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device


def barrier() -> None:
    if world() > 1:
        torch.distributed.barrier()


def all_reduce(t: torch.Tensor) -> torch.Tensor:
    """``t`` summed over the processes, in place (unchanged on a world of one)."""
    if world() > 1:
        torch.distributed.all_reduce(t)
    return t


def teardown() -> None:
    if world() > 1:
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
