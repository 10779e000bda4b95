"""Parser worker processes (`python -m archive.parse_worker`), fed jobs over a pipe.

Not multiprocessing: its spawn and forkserver start methods import the parent's `__main__` in
every worker, so a crawl started from a script without an `if __name__ == "__main__"` guard
would start itself again in each worker and hang. A worker here is a fresh interpreter that
imports only `archive.parsing` and the parser. It runs at lower priority (parsing uses the cores
the crawl leaves idle), and a worker that dies or overruns its time limit is replaced; the job is
reported as failed rather than lost.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from concurrent.futures import Future
from typing import Any

#: A parse that takes longer than this (a pathological PDF) is abandoned and its worker replaced.
JOB_TIMEOUT_S = 300


class WorkerPool:
    """`workers` parser processes; `submit(job)` returns a future of `archive.parsing.run_job(job)`."""

    def __init__(self, workers: int, *, nice: int = 10, timeout: float = JOB_TIMEOUT_S):
        self.nice = nice
        self.timeout = timeout
        self._jobs: queue.Queue = queue.Queue()
        self._threads = [
            threading.Thread(target=self._serve, name=f"nianbao-parse-{n}", daemon=True) for n in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job: Any) -> Future:
        future: Future = Future()
        self._jobs.put((job, future))
        return future

    def shutdown(self, wait: bool = True) -> None:
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ)
        # The worker imports what this process can (an uninstalled checkout, a test's stand-in parser).
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        env["NIANBAO_WORKER_NICE"] = str(self.nice)
        return subprocess.Popen(
            [sys.executable, "-m", "archive.parse_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )

    def _serve(self) -> None:
        process: subprocess.Popen | None = None
        try:
            while True:
                item = self._jobs.get()
                if item is None:
                    return
                job, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                if process is None or process.poll() is not None:
                    process = self._start()
                timer = threading.Timer(self.timeout, process.kill)
                timer.start()
                try:
                    pickle.dump(job, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                    process.stdin.flush()
                    ok, result = pickle.load(process.stdout)
                except Exception as error:  # whatever broke the exchange, the job fails and the thread goes on
                    process.kill()
                    process.wait()
                    process = None
                    reason = "took too long" if not timer.is_alive() else f"died ({error!r})"
                    future.set_exception(RuntimeError(f"parser worker {reason}"))
                    continue
                finally:
                    timer.cancel()
                if ok:
                    future.set_result(result)
                else:
                    future.set_exception(RuntimeError(result))
        finally:
            if process is not None and process.poll() is None:
                process.stdin.close()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
