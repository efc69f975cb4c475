"""Choosing how many expanded rows to push through the model at once, and surviving OOM.

Attribution methods expand each input row (Integrated Gradients: ``n_steps`` scaled copies;
GradientShap and NoiseTunnel: ``n_samples`` noisy copies). Captum's default evaluates all of them
in one pass, which exhausts memory on realistic inputs, while tiny batches waste time. We size a
batch (in expanded rows) from the model's activation footprint per row:

* memory cap: a fraction of the free memory (``torch.cuda.mem_get_info`` on a GPU,
  ``MemAvailable`` from ``/proc/meminfo`` on the CPU) divided by the bytes one row needs
  (activations kept for the backward pass, their gradients and the inputs);
* on the CPU, speed: a batch whose activations fit a few times the per-core L2 cache runs
  fastest (measured on the census MLP: 2,000-4,000 expanded rows; captum's one-pass default
  is about half as fast);
* on a GPU, speed: as large as the memory cap allows.

If a pass still runs out of memory, it is retried with half the batch, down to one row.

The best size also depends on what else the machine is doing (with intra-op threads competing
for busy cores, fewer and larger passes win), so on large jobs the first chunks time 1x, 4x
and 16x the starting size and the rest of the job (and later calls with the same model,
method and input width) use the fastest.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import torch

from audit.explain._errors import ExplainError

T = TypeVar("T")

#: Share of free memory one attribution pass may use.
CPU_MEMORY_FRACTION = 0.25
GPU_MEMORY_FRACTION = 0.5
#: Activation bytes per batch on the CPU, as a multiple of the per-core L2 cache.
CPU_CACHE_MULTIPLE = 4
#: Bounds of the automatic batch size (expanded rows).
MIN_BATCH, MAX_CPU_BATCH, MAX_GPU_BATCH = 64, 65_536, 1_048_576
#: Gradients and saved tensors roughly triple the forward activations.
BACKWARD_FACTOR = 3


def available_memory(device: torch.device) -> int:
    """Free memory in bytes on ``device`` (CUDA: ``mem_get_info``; CPU: ``/proc/meminfo``).

    Examples
    --------
    >>> available_memory(torch.device("cpu")) > 0
    True
    """
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 2 * 1024**3


@functools.lru_cache(maxsize=1)
def cpu_cache_bytes() -> int:
    """Per-core L2 cache size in bytes (2 MiB when the system does not say)."""
    for index in range(4):
        base = Path(f"/sys/devices/system/cpu/cpu0/cache/index{index}")
        try:
            if (base / "level").read_text().strip() != "2":
                continue
            size = (base / "size").read_text().strip().upper()
        except OSError:
            continue
        scale = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(size[-1:], 1)
        try:
            return int(size.rstrip("KMG")) * scale
        except ValueError:
            break
    return 2 * 1024**2


def activation_bytes_per_row(forward: torch.nn.Module, sample: torch.Tensor) -> int:
    """Bytes of every leaf module's output (plus the input) for one row of ``sample``.

    Forward hooks count the outputs of one probe pass; they are removed in ``finally``.
    """
    total = [sample[:1].numel() * sample.element_size()]

    def count(_module, _inputs, output):
        if isinstance(output, torch.Tensor):
            total[0] += output.numel() * output.element_size()

    handles = [m.register_forward_hook(count) for m in forward.modules()
               if not any(True for _ in m.children())]
    try:
        with torch.no_grad():
            forward(sample[:1])
    finally:
        for handle in handles:
            handle.remove()
    return max(total[0], 1)


def memory_cap(forward: torch.nn.Module, sample: torch.Tensor) -> int:
    """Most expanded rows per pass that fit in the configured share of free memory."""
    per_row = activation_bytes_per_row(forward, sample)
    fraction = GPU_MEMORY_FRACTION if sample.device.type == "cuda" else CPU_MEMORY_FRACTION
    return max(1, int(available_memory(sample.device) * fraction) // (per_row * BACKWARD_FACTOR))


def auto_batch_size(forward: torch.nn.Module, sample: torch.Tensor) -> int:
    """Expanded rows per pass for ``forward`` on rows like ``sample`` (see the module notes).

    Examples
    --------
    >>> net = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
    >>> 64 <= auto_batch_size(net, torch.zeros(4, 10)) <= 65536
    True
    """
    device = sample.device
    per_row = activation_bytes_per_row(forward, sample)
    fraction = GPU_MEMORY_FRACTION if device.type == "cuda" else CPU_MEMORY_FRACTION
    cap = int(available_memory(device) * fraction) // (per_row * BACKWARD_FACTOR)
    if device.type == "cuda":
        size = min(cap, MAX_GPU_BATCH)
    else:
        size = min(cap, CPU_CACHE_MULTIPLE * cpu_cache_bytes() // per_row, MAX_CPU_BATCH)
    return max(size, MIN_BATCH if cap >= MIN_BATCH else 1)


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is an allocation failure (CUDA or CPU) that a smaller batch may avoid."""
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return True
    text = str(exc)
    return isinstance(exc, (RuntimeError, MemoryError)) and (
        isinstance(exc, MemoryError) or "out of memory" in text
        or "can't allocate memory" in text or "DefaultCPUAllocator" in text)


def run_chunked(step: Callable[[int, int, int], T], n_rows: int, batch_size: int, *,
                rows_for: Callable[[int], int], candidates: Sequence[int] = (),
                tuning_rows: int | None = None) -> tuple[list[T], int]:
    """Call ``step(start, stop, batch_size)`` over row chunks, halving the batch on OOM.

    A chunk holds ``rows_for(batch_size)`` rows. When ``candidates`` are given, the first
    chunks are run once with each candidate batch size (on ``tuning_rows`` rows each when given,
    so that every candidate pays the same per-call overhead), timed, and the rest use the
    fastest: online tuning in which the timed chunks are real work and nothing is computed
    twice. Returns the chunk results in order and the batch size finally used.

    Raises
    ------
    ExplainError
        When even a batch of one expanded row does not fit in memory.
    """
    results: list[T] = []
    pending = list(candidates)
    seconds_per_row: dict[int, float] = {}
    start = 0
    while start < n_rows:
        size = pending[0] if pending else batch_size
        rows = tuning_rows if pending and tuning_rows else rows_for(size)
        stop = min(n_rows, start + max(1, rows))
        tick = time.perf_counter()
        try:
            results.append(step(start, stop, size))
        except (RuntimeError, MemoryError) as exc:
            if not is_out_of_memory(exc):
                raise
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if pending:  # a candidate too large for memory: drop it and every larger one
                pending = [c for c in pending[1:] if c < size]
                batch_size = min(batch_size, max(1, size // 2))
                tuning_rows = min(tuning_rows, batch_size) if tuning_rows else None
                continue
            if size <= 1:
                raise ExplainError(
                    "internal_batch_size", "enough memory for one expanded row",
                    f"out of memory even at batch size 1 ({str(exc).splitlines()[0]})",
                    "free memory on the device, or explain on the CPU") from None
            batch_size = size // 2
            continue
        if pending:
            pending.pop(0)
            seconds_per_row[size] = (time.perf_counter() - tick) / (stop - start)
            if not pending:
                batch_size = min(seconds_per_row, key=seconds_per_row.get)
        start = stop
    return results, batch_size


def tuning_candidates(batch_size: int, memory_cap: int, total: int) -> list[int]:
    """Batch sizes worth timing: ``batch_size`` x 1, 4 and 16 that fit in memory and do not
    exceed the total work (expanded rows); none when fewer than two qualify."""
    limit = min(memory_cap, total)
    sizes = [batch_size * k for k in (1, 4, 16) if batch_size * k <= limit]
    return sizes if len(sizes) >= 2 else []
