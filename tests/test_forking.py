"""plugins/forking.py: the helpers every forking part of the build shares."""

import logging
import os
import threading
import time

import pytest

from plugins import forking


def test_a_child_hands_back_its_result_and_is_waited_for():
    child = forking.InChild(lambda a, b: {"sum": a + b, "pid": os.getpid()}, 2, 3)
    pid = child.pid
    result = child.result()
    assert result == {"sum": 5, "pid": pid}
    assert child.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # already waited for


def test_a_child_that_fails_hands_back_none():
    def broken():
        raise ValueError("broken")

    assert forking.InChild(broken).result() is None
    assert forking.InChild(lambda: threading.Lock()).result() is None  # does not pickle


def test_a_child_still_working_is_stopped():
    import time

    child = forking.InChild(time.sleep, 30)
    pid = child.pid
    child.close()
    assert child.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)


def test_map_in_two_keeps_the_order_and_redoes_a_failed_half(monkeypatch):
    items = list(range(10))
    assert forking.map_in_two(lambda n: n * n, items, at_least=4) == [n * n for n in items]
    parent = os.getpid()
    where = forking.map_in_two(lambda n: os.getpid() == parent, items, at_least=4)
    assert where == [True] * 5 + [not forking.can_fork()] * 5
    monkeypatch.setattr(forking.InChild, "result", lambda self: self.close())
    assert forking.map_in_two(lambda n: -n, items, at_least=4) == [-n for n in items]
    assert forking.map_in_two(lambda n: os.getpid(), items, at_least=11) == [parent] * 10


def test_map_in_two_raises_here_what_the_function_raises():
    def fails_on_seven(n):
        if n == 7:
            raise ValueError(f"item {n}")
        return n

    with pytest.raises(ValueError, match="item 7"):
        forking.map_in_two(fails_on_seven, range(10), at_least=4)


def test_no_fork_while_a_thread_not_marked_safe_runs(monkeypatch):
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    # Only this thread and the new one (other tests may leave threads of their own).
    monkeypatch.setattr(
        forking.threading, "enumerate", lambda: [threading.current_thread(), thread]
    )
    try:
        assert not forking.fork_is_safe()
        thread.fork_safe = True
        assert forking.fork_is_safe()
    finally:
        stop.set()
        thread.join()


def test_background_work_runs_at_a_lower_priority():
    def niceness_after_lowering():
        forking.lower_priority()
        return os.getpriority(os.PRIO_PROCESS, 0)

    now = os.getpriority(os.PRIO_PROCESS, 0)
    expected = min(19, now + forking.BACKGROUND_NICENESS)  # 19: the lowest there is
    assert forking.InChild(niceness_after_lowering).result() == expected
    assert os.getpriority(os.PRIO_PROCESS, 0) == now  # this process is left as it was


def test_map_in_two_logs_here_what_the_child_warned_once(monkeypatch, caplog):
    monkeypatch.setattr(forking, "can_fork", lambda: True)  # whatever threads are left
    parent = os.getpid()

    def warns_on_seven(n):
        if n == 7:
            logging.getLogger("pelican.contents").warning("item %s: a link was not found", n)
        return (n, os.getpid() == parent)

    with caplog.at_level(logging.WARNING):
        results = forking.map_in_two(warns_on_seven, range(10), at_least=4)
    assert [n for n, _here in results] == list(range(10))
    assert all(here for _n, here in results)  # the child's half was done here again
    assert [r.getMessage() for r in caplog.records] == ["item 7: a link was not found"]
    quiet = forking.map_in_two(lambda n: os.getpid() == parent, range(10), at_least=4)
    assert quiet == [True] * 5 + [False] * 5  # no warning: the child's half is kept


def test_finished_says_whether_the_child_has_answered():
    child = forking.InChild(time.sleep, 0.3)
    assert child.finished() is False
    assert child.finished(timeout=10) is True
    assert child.result() is None  # time.sleep returns None
    assert child.finished() is True  # closed: nothing left to wait for


def test_map_in_child_returns_the_childs_results_or_computes_them_here(caplog):
    parent = os.getpid()
    assert forking.MapInChild(lambda n: n * n, range(5)).results() == [0, 1, 4, 9, 16]
    assert set(forking.MapInChild(lambda n: os.getpid(), range(3)).results()) != {parent}

    def warns(n):
        if n == 2:
            logging.getLogger("test-forking").warning("item %d looks odd", n)
        return os.getpid()

    with caplog.at_level(logging.WARNING):
        assert forking.MapInChild(warns, range(4)).results() == [parent] * 4
    assert [r.getMessage() for r in caplog.records] == ["item 2 looks odd"]
