"""One parser worker: reads pickled `ParseJob`s on stdin, writes `(ok, result)` pickles to stdout.

Started by `archive.workers.WorkerPool` as `python -m archive.parse_worker`.
"""

from __future__ import annotations

import os
import pickle
import sys


def main() -> None:
    # Results go over the real stdout; anything a library prints goes to stderr instead.
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    jobs = sys.stdin.buffer
    try:
        os.nice(int(os.environ.get("NIANBAO_WORKER_NICE", "0")))
    except (AttributeError, OSError):
        pass
    from archive.parsing import run_job

    while True:
        try:
            job = pickle.load(jobs)
        except EOFError:
            return
        try:
            reply = (True, run_job(job))
        except Exception as error:  # run_job does not raise on bad input; this is a bug, reported
            reply = (False, f"{type(error).__name__}: {error}")
        pickle.dump(reply, results, protocol=pickle.HIGHEST_PROTOCOL)
        results.flush()


if __name__ == "__main__":
    main()
