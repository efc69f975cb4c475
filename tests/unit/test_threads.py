"""The temporary torch thread count used by the audits."""

import pytest
import torch

from audit._threads import torch_threads


def test_thread_count_is_set_inside_and_restored_after_also_on_error():
    before = torch.get_num_threads()
    other = before + 1  # differs from the current count, whatever the machine's default
    with torch_threads(other):
        assert torch.get_num_threads() == other
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError), torch_threads(other):
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before
