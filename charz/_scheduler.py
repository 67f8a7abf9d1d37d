"""Dask schedulers for the series engine: named schedulers and computing with progress.

The public names are imported from :mod:`charz.series`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from charz.errors import OptionError

__all__ = ["compute_progress", "scheduler"]


def compute_progress(obj: Any, *, desc: str = "computing") -> Any:
    """Compute a dask collection on the active scheduler with a progress bar.

    A ``dask.distributed`` client (the default scheduler once a ``Client`` exists) runs
    it on its workers with ``distributed.progress``; the local schedulers (threads,
    processes) use ``dask.diagnostics.ProgressBar``. Silent with ``--quiet``
    (:func:`charz.output.set_quiet`) and off a terminal.

    Returns
    -------
    object
        The computed value.
    """
    import sys

    import dask

    from charz import output

    show = not output._QUIET and sys.stderr.isatty()
    client = _active_client()
    if client is not None:
        fut = client.compute(obj)
        if show:
            from distributed import progress

            progress(fut)
        return fut.result()
    if show:
        from dask.diagnostics import ProgressBar

        with ProgressBar(out=sys.stderr):
            return dask.compute(obj)[0]
    return dask.compute(obj)[0]


def _active_client() -> Any:
    try:
        from distributed import get_client
    except ImportError:  # pragma: no cover - distributed is in the dask extra
        return None
    try:
        return get_client()
    except ValueError:
        return None


@contextlib.contextmanager
def scheduler(spec: str | None = None, *, memory_limit: str = "auto") -> Iterator[Any]:
    """Run the code inside on a dask scheduler named by a CLI-style string.

    Parameters
    ----------
    spec : str or None
        ``None``: keep the active scheduler. ``"threads"``, ``"processes"``,
        ``"synchronous"``: dask's local schedulers. ``"local"`` or ``"local:N"``: a
        ``dask.distributed.LocalCluster`` of N single-threaded worker processes (default:
        one per core), closed on exit. ``"tcp://host:port"`` (or ``tls://``): connect to
        a running scheduler (a dask-jobqueue or Kubernetes cluster, started by the user).
    memory_limit : str
        Memory limit per LocalCluster worker (``"auto"``: the machine's memory / N).

    Yields
    ------
    distributed.Client or None
        The client, for ``local``/``tcp://``.

    Raises
    ------
    OptionError
        ``spec`` is none of the forms above.
    """
    if spec is None or spec == "":
        yield None
        return
    import dask

    if spec in ("threads", "processes", "synchronous"):
        with dask.config.set(scheduler=spec):
            yield None
        return
    from charz.io import require

    require("distributed", "dask", purpose="run on a dask.distributed cluster")
    from distributed import Client, LocalCluster

    if spec == "local" or spec.startswith("local:"):
        n_txt = spec.partition(":")[2]
        try:
            n = int(n_txt) if n_txt else (os.cpu_count() or 1)
        except ValueError:
            n = 0
        if n < 1:
            raise OptionError(f"--scheduler {spec!r}: local:N needs a worker count N >= 1")
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          memory_limit=memory_limit, dashboard_address=":0") as cluster, \
                Client(cluster) as client:
            yield client
        return
    if "://" in spec:
        with Client(spec) as client:
            yield client
        return
    raise OptionError(
        f"--scheduler {spec!r} is not one of: threads, processes, synchronous, local, "
        "local:N, tcp://host:port"
    )
