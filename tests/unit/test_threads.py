"""The temporary torch thread count used by the audits."""

import pytest
import torch

from audit._threads import torch_threads


def test_thread_count_is_set_inside_and_restored_after_also_on_error():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError), torch_threads(1):
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before
