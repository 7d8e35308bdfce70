"""cleansing.threads: independent jobs on every core, results in the order given."""

import threading
import time

import pytest

from cleansing.threads import THREADS_ENV, cores, in_threads


def test_results_keep_the_order_given_whatever_finishes_first() -> None:
    jobs = {
        "slow": lambda: time.sleep(0.05) or "slow done",
        "fast": lambda: "fast done",
        "middle": lambda: 3,
    }
    assert list(in_threads(jobs).items()) == [
        ("slow", "slow done"),
        ("fast", "fast done"),
        ("middle", 3),
    ]


def test_jobs_run_side_by_side_on_every_core() -> None:
    """Each job waits for the others at a barrier: run one after another, they would time out."""
    meeting = threading.Barrier(cores(), timeout=10)
    done = in_threads({f"job {i}": meeting.wait for i in range(cores())})
    assert sorted(done.values()) == list(range(cores()))


def test_a_failing_job_raises_its_error_and_cancels_the_jobs_not_started(monkeypatch) -> None:
    monkeypatch.setenv(THREADS_ENV, "1")  # one at a time: the later jobs wait in the queue
    started = []

    def broken() -> None:
        raise ValueError("column 'phone' is missing")

    def later(i: int) -> None:
        started.append(i)
        time.sleep(0.2)

    jobs = {"broken": broken, **{f"later {i}": lambda i=i: later(i) for i in range(3)}}
    with pytest.raises(ValueError, match="phone"):
        in_threads(jobs)
    assert started in ([], [0])  # the worker may take the next job before the cancel


def test_of_several_failures_the_job_given_first_raises_whichever_fails_first(
    monkeypatch,
) -> None:
    """A bad input gets the error it gets when the jobs run in turn, not the quicker thread's."""
    monkeypatch.setenv(THREADS_ENV, "2")

    def slow_failure() -> None:
        time.sleep(0.2)
        raise ValueError("updated_at: no date")

    def quick_failure() -> None:
        raise TypeError("corporate_number_valid: not a bool")

    with pytest.raises(ValueError, match="updated_at"):
        in_threads({"updated_at": slow_failure, "valid": quick_failure})


def test_the_thread_count_can_be_set_for_a_cpu_quota(monkeypatch) -> None:
    monkeypatch.setenv(THREADS_ENV, "3")
    assert cores() == 3
    monkeypatch.setenv(THREADS_ENV, "0")
    with pytest.raises(ValueError, match=THREADS_ENV):
        cores()


def test_with_one_core_the_jobs_run_in_turn_on_the_calling_thread(monkeypatch) -> None:
    monkeypatch.setenv(THREADS_ENV, "1")
    jobs = {f"job {i}": threading.get_ident for i in range(3)}
    assert set(in_threads(jobs).values()) == {threading.get_ident()}
