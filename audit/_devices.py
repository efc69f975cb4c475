"""Torch device strings checked against this machine, before anything is trained on them.

``torch.device("cuda")`` is accepted on a machine without CUDA and fails at the first tensor
moved there (``AssertionError: Torch not compiled with CUDA enabled``); an unknown string fails
with a ``RuntimeError`` listing every backend torch knows. Here both are a
:class:`~audit.errors.DeviceError` saying which devices exist.
"""

from __future__ import annotations

import re

import torch

from audit.errors import DeviceError

#: Device strings a config may hold (``cuda:1``, ``mps``...); ``auto`` picks CUDA when present.
DEVICE_PATTERN = r"^(auto|cpu|cuda(:\d+)?|mps)$"


def available_devices() -> list[str]:
    """The devices this machine has: ``cpu``, each ``cuda:N``, ``mps``."""
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def check_device(device: str | torch.device, where: str = "training.device") -> torch.device:
    """The torch device for ``device`` (``"auto"``: CUDA when present, else the CPU).

    Raises
    ------
    DeviceError
        The string is not a device, or names one this machine does not have.

    Examples
    --------
    >>> check_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        name = str(device)
    else:
        name = str(device).strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    have = available_devices()
    if not re.match(DEVICE_PATTERN, name):
        raise DeviceError(where, "auto, cpu, cuda, cuda:N or mps", repr(str(device))[:80],
                          f"use one of {['auto', *have]}")
    if name == "cuda" and not torch.cuda.is_available() or (
            name.startswith("cuda:") and name not in have) or (name == "mps" and "mps" not in have):
        raise DeviceError(where, f"a device this machine has ({', '.join(have)})",
                          repr(name), "use device: auto (CUDA when present, else the CPU) or cpu")
    return torch.device(name)
