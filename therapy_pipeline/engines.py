"""Engines: what runs the unit passes (units.py). The passes know nothing of where they run.

- `local`: one UnitWorker in this process, the units one after another (each may use forked workers
  inside, as the steps do on one machine).
- `ray`: the same UnitWorker as a callable class in a Ray Data actor pool, one unit a batch, on a local
  Ray instance or the cluster at `ray_address`. Its results come back in unit order, so the output
  is the same as `local`'s. Ray is an optional install (requirements-ray.txt).
"""

from __future__ import annotations

import logging
import pickle
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import datasets
from tqdm.auto import tqdm

from .model import InputError
from .units import UnitSettings, UnitWorker

logger = logging.getLogger(__name__)

LOCAL, RAY = "local", "ray"
ENGINES = (LOCAL, RAY)
RAY_REQUIREMENTS = "requirements-ray.txt"
ATTEMPTS = 3  # a unit whose worker dies is tried again on another, at most this many times in all


class EngineError(Exception):
    """The engine could not run a unit (a worker died, the cluster went away): the run fails."""


class LocalEngine:
    def __init__(self, settings: UnitSettings, deidentifier=None, tokenizer=None) -> None:
        self.worker = UnitWorker(settings, deidentifier, tokenizer)  # the driver's own: built once

    def map(self, method: str, calls: Sequence[tuple]) -> list[Any]:
        """`worker.method(*args)` for each args in `calls`, the results in that order."""
        run = getattr(self.worker, method)
        order = list(range(len(calls)))
        last = self.worker.last_scan
        if last is not None:  # the unit still in memory first: it is not read again
            order.sort(key=lambda i: calls[i][0].index != last[0])
        results: list[Any] = [None] * len(calls)
        hidden = len(calls) < 2 or not datasets.is_progress_bar_enabled()
        for i in tqdm(order, desc=f"{method} units", unit="unit", disable=hidden):
            results[i] = run(*calls[i])
        return results

    def close(self) -> None:
        pass


def ray_available() -> bool:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


class _RayCalls:
    """The Ray Data callable class: a batch of pickled calls in, pickled results out. Its UnitWorker
    is built at the first call, from the settings every call carries (a few kB: kept out of the
    object store, where an actor's constructor arguments would go)."""

    def __init__(self) -> None:
        self.worker: UnitWorker | None = None

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        results = []
        for call in batch["call"]:
            settings, method, args = pickle.loads(call)
            if self.worker is None:
                self.worker = UnitWorker(settings)
            results.append(pickle.dumps(getattr(self.worker, method)(*args), protocol=pickle.HIGHEST_PROTOCOL))
        return {"index": batch["index"], "result": np.array(results, dtype=object)}


class RayEngine:
    def __init__(self, settings: UnitSettings, address: str | None) -> None:
        import ray
        import ray.data

        self.ray = ray
        self.started = False
        ray_logger = logging.getLogger("ray")
        ray_logger.setLevel(logging.ERROR)  # its start-up notes are not ours to print
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
            if address is None:  # a local instance of our own, without the dashboard
                kwargs.update(address="local", include_dashboard=False)
            else:  # a cluster: this package travels with the job (its dependencies must be on the nodes)
                kwargs.update(address=address, runtime_env={"py_modules": [str(Path(__file__).parent)]})
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise InputError(f"ray_address {address or 'local'}", f"cannot start or join Ray: {err}") from None
            self.started = True
        for handler in logging.getLogger("ray.data").handlers:  # Ray Data's console lines: its own log file keeps them
            if handler.name == "console":
                handler.setLevel(logging.ERROR)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        self.settings = settings
        self.actors = max(1, int(ray.cluster_resources().get("CPU", 1)))

    def map(self, method: str, calls: Sequence[tuple]) -> list[Any]:
        ray = self.ray
        if not calls:
            return []
        items = [
            {"index": i, "call": pickle.dumps((self.settings, method, args), protocol=pickle.HIGHEST_PROTOCOL)}
            for i, args in enumerate(calls)
        ]
        data = ray.data.from_items(items, override_num_blocks=len(items))
        with warnings.catch_warnings():  # max_restarts has no named parameter yet: the remote args are the way
            warnings.simplefilter("ignore", DeprecationWarning)
            mapped = data.map_batches(
                _RayCalls,
                batch_size=1,
                compute=ray.data.ActorPoolStrategy(size=min(self.actors, len(items))),
                num_cpus=1,
                max_restarts=ATTEMPTS - 1,
                max_task_retries=ATTEMPTS - 1,
            )
        try:
            rows = mapped.take_all()
        except Exception as err:
            cause = _cause(err)
            if isinstance(cause, (InputError, OSError)):  # bad input or the disk: as on one machine
                raise cause from None
            raise EngineError(_failure(method, cause)) from err
        results: list[Any] = [None] * len(calls)
        for row in rows:
            results[int(row["index"])] = pickle.loads(row["result"])
        return results

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()


def _cause(err: BaseException) -> BaseException:
    """The worker's own exception inside Ray's wrappers (RayTaskError and Ray Data's)."""
    cause = err
    for _ in range(10):
        inner = getattr(cause, "cause", None) or cause.__cause__
        if inner is None or inner is cause:
            break
        cause = inner
    return cause


def _failure(method: str, cause: BaseException) -> str:
    """One line for a unit that could not be run: the kind of failure, never a transcript's text."""
    name = type(cause).__name__
    if any(word in name for word in ("ActorDied", "WorkerCrashed", "ActorUnavailable", "ActorUnschedulable")):
        return f"engine ray: a worker died during the {method} pass ({name}), after {ATTEMPTS} attempts"
    return f"engine ray: the {method} pass failed in a worker ({name}): a bug, please report it"


def open_engine(engine: str, settings: UnitSettings, address: str | None, deidentifier=None, tokenizer=None):
    """The engine named by the config's `engine`; the local one works with the driver's
    `deidentifier` and `tokenizer`."""
    if engine == LOCAL:
        return LocalEngine(settings, deidentifier, tokenizer)
    return RayEngine(settings, address)
