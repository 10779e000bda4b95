"""A Scrapyd daemon on 127.0.0.1, started in a folder of its own: a cluster node for tests and benchmarks.

    with LocalScrapyd(folder, env={"NIANBAO_REPLICA": replica_url}, auth=("user", "secret"), cpus={0}) as node:
        nianbao cluster crawl --nodes node.url ...

The daemon is `python -m scrapyd` with its cwd in `folder`, which holds its `scrapyd.conf` and
everything it writes (eggs, job logs, queue databases, its own output in `scrapyd.log`). It
listens on a free port; `url` is where. Entering waits until `daemonstatus.json` answers;
leaving stops the daemon and whatever its jobs left running.

`cpus` pins the daemon to those CPU numbers (`os.sched_setaffinity` in the child before Scrapyd
starts). Every job the daemon spawns, and every Chromium a job launches, inherits the affinity,
so a node with `cpus={0}` is a one-core machine as far as the scheduler is concerned, whatever
the others do. Pinning, not `nice`: a niced node still takes an idle core, which is not a cap.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

#: Scrapyd's own default is 4 processes per CPU; a pinned node counts only its own CPUs.
PROCESSES_PER_CPU = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalScrapyd:
    """One Scrapyd daemon on 127.0.0.1 in `folder`.

    env: additions to this process's environment for the daemon and so its jobs (a job's
    browser reads NIANBAO_REPLICA from there: a setting passed with the job comes too late).
    auth: (username, password) for Scrapyd's basic auth, or None for an open node.
    max_proc: jobs run at once; default 4 per CPU in `cpus` (Scrapyd's default otherwise).
    cpus: CPU numbers the daemon and its jobs are pinned to; None leaves them unpinned.
    """

    def __init__(self, folder: str | Path, *, env: dict[str, str] | None = None,
                 auth: tuple[str, str] | None = None, max_proc: int | None = None, cpus: set[int] | None = None,
                 poll_interval: float = 0.5, start_timeout: float = 30.0) -> None:
        self.folder = Path(folder)
        self.env = dict(env or {})
        self.auth = auth
        self.cpus = set(cpus) if cpus is not None else None
        self.max_proc = max_proc if max_proc is not None else PROCESSES_PER_CPU * len(self.cpus or ()) or 0
        self.poll_interval = poll_interval
        self.start_timeout = start_timeout
        self.port = 0
        self.process: subprocess.Popen | None = None
        #: The daemon's and its reaped jobs' CPU seconds (user + system), once it has stopped.
        self.cpu_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the daemon is not started")
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.folder / "scrapyd.log"

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- starting --------------------------------------------------------------------------------

    def start(self) -> Self:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        (self.folder / "scrapyd.conf").write_text(self.config())
        with self.log_path.open("w") as log:
            # A session of its own: stopping the node reaches the jobs it spawned too.
            self.process = subprocess.Popen(self.command(), cwd=self.folder, env={**os.environ, **self.env},
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def config(self) -> str:
        """scrapyd.conf: this port, everything under the folder, no items feed."""
        lines = ["[scrapyd]", "bind_address = 127.0.0.1", f"http_port = {self.port}", "eggs_dir = eggs",
                 "logs_dir = logs", "dbs_dir = dbs", "items_dir =", f"max_proc = {self.max_proc}",
                 f"poll_interval = {self.poll_interval}"]
        if self.auth:
            lines += [f"username = {self.auth[0]}", f"password = {self.auth[1]}"]
        return "\n".join(lines) + "\n"

    def command(self) -> list[str]:
        """`python -m scrapyd`, pinned first when `cpus` is set: the pinning process execs Scrapyd,
        so its every thread starts pinned (a pin set from outside afterwards reaches the main
        thread only, and `preexec_fn` is unsafe in a process with threads)."""
        scrapyd = [sys.executable, "-m", "scrapyd"]
        if self.cpus is None:
            return scrapyd
        pin = ("import os, sys; os.sched_setaffinity(0, {int(c) for c in sys.argv[1].split(',')}); "
               "os.execv(sys.executable, sys.argv[2:])")
        return [sys.executable, "-c", pin, ",".join(map(str, sorted(self.cpus))), *scrapyd]

    def _wait_until_answering(self) -> None:
        import requests

        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"scrapyd exited {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/daemonstatus.json", auth=self.auth, timeout=1).ok:
                    return
            except requests.RequestException:
                pass  # not listening yet
            time.sleep(0.2)
        raise RuntimeError(f"scrapyd did not answer on {self.url} within {self.start_timeout:g} s:\n{self.log_tail()}")

    # -- stopping --------------------------------------------------------------------------------

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM to the daemon, SIGKILL if it lingers; then SIGKILL to what is left of its
        session (jobs still running, as when a machine goes down)."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        usage = self._reap(timeout)
        if usage is None:
            self.process.kill()
            usage = self._reap(timeout)
        if usage is not None:
            self.cpu_seconds = usage.ru_utime + usage.ru_stime
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # nothing left in the session

    def _reap(self, timeout: float) -> resource.struct_rusage | None:
        """Wait for the daemon with wait4, which also gives its CPU use (its jobs' included once
        it reaped them); None if it is still running after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid:
                self.process.returncode = os.waitstatus_to_exitcode(status)
                return usage
            time.sleep(0.1)
        return None
