"""The memory ceiling: allocations past it fail inside, the limit before comes back after."""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
import threading

import pytest

from archiver import memlimit

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="the ceiling reads /proc/self/statm and relies on Linux counting mmap in RLIMIT_DATA")

MB = 1024 * 1024


def _allocate(size: int) -> bool:
    """True when *size* bytes could be allocated (and written to)."""
    try:
        block = bytearray(size)
    except MemoryError:
        return False
    block[-1] = 1
    return True


def test_data_in_use_follows_allocations() -> None:
    before = memlimit.data_in_use()
    assert before is not None and before > MB
    block = bytearray(64 * MB)
    during = memlimit.data_in_use()
    del block
    assert during is not None and during - before >= 60 * MB


def test_allocation_past_the_ceiling_fails_inside_and_works_after() -> None:
    limits = resource.getrlimit(resource.RLIMIT_DATA)
    with memlimit.ceiling(32 * MB):
        assert _allocate(4 * MB)
        assert not _allocate(256 * MB)
    assert resource.getrlimit(resource.RLIMIT_DATA) == limits
    assert _allocate(256 * MB)


def test_the_limit_comes_back_when_the_block_raises() -> None:
    limits = resource.getrlimit(resource.RLIMIT_DATA)
    with pytest.raises(KeyError), memlimit.ceiling(32 * MB):
        raise KeyError("x")
    assert resource.getrlimit(resource.RLIMIT_DATA) == limits


def test_a_lower_ceiling_in_force_stays() -> None:
    limits = resource.getrlimit(resource.RLIMIT_DATA)
    with memlimit.ceiling(32 * MB):
        inner_limits = resource.getrlimit(resource.RLIMIT_DATA)
        with memlimit.ceiling(1024 * MB):
            assert resource.getrlimit(resource.RLIMIT_DATA) == inner_limits
            assert not _allocate(256 * MB)
        assert resource.getrlimit(resource.RLIMIT_DATA) == inner_limits
    assert resource.getrlimit(resource.RLIMIT_DATA) == limits


def _child(conn: object, close_inherited: bool) -> None:
    if close_inherited:  # as a cpupool worker does with what it inherits
        for fd in list(memlimit._STATM.values()):
            os.close(fd)
    block = bytearray(96 * MB)
    block[-1] = 1
    conn.send(memlimit.data_in_use())  # type: ignore[attr-defined]


@pytest.mark.parametrize("close_inherited", [False, True])
def test_a_forked_child_reads_its_own_size(close_inherited: bool) -> None:
    parent_before = memlimit.data_in_use()  # the parent's descriptor is open now
    assert parent_before is not None
    ctx = multiprocessing.get_context("fork")
    ours, theirs = ctx.Pipe()
    child = ctx.Process(target=_child, args=(theirs, close_inherited))
    child.start()
    try:
        assert ours.poll(30)
        child_size = ours.recv()
    finally:
        child.join(30)
    assert child.exitcode == 0
    parent_after = memlimit.data_in_use()
    assert parent_after is not None and parent_after < parent_before + 64 * MB
    # the child's 96 MB are in its own reading, not in its parent's
    assert child_size is not None and child_size > parent_before + 90 * MB


def test_ceilings_in_two_threads_leave_the_limit_as_it_was() -> None:
    """The limit is the process's. Interleaved (the first ends while the
    second is inside), the second would put back the first's ceiling for good."""
    limits = resource.getrlimit(resource.RLIMIT_DATA)
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with memlimit.ceiling(64 * MB):
            first_in.set()
            second_in.wait(1)  # the second waits for this block to end
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with memlimit.ceiling(32 * MB):
            second_in.set()
            first_out.wait(5)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert resource.getrlimit(resource.RLIMIT_DATA) == limits
    assert _allocate(256 * MB)
