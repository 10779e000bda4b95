"""crawler.local_scrapyd: a Scrapyd daemon started on a free port, pinned to the CPUs asked for,
with basic auth when asked, stopped on leaving."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("scrapyd")
requests = pytest.importorskip("requests")

from crawler.local_scrapyd import LocalScrapyd

pytestmark = pytest.mark.timeout(120)

AUTH = ("nianbao", "s3cret-for-tests")


def test_a_pinned_node_with_basic_auth_answers_only_with_credentials(tmp_path):
    with LocalScrapyd(tmp_path / "node", auth=AUTH, cpus={0}) as node:
        status = requests.get(f"{node.url}/daemonstatus.json", auth=AUTH, timeout=5)
        assert status.ok and status.json()["status"] == "ok"
        assert os.sched_getaffinity(node.pid) == {0}
        assert "max_proc = 4" in (tmp_path / "node" / "scrapyd.conf").read_text()  # 4 per pinned CPU
        assert requests.get(f"{node.url}/daemonstatus.json", timeout=5).status_code == 401
        assert requests.get(f"{node.url}/daemonstatus.json", auth=(AUTH[0], "wrong"), timeout=5).status_code == 401
        pid = node.pid
    assert node.process.returncode is not None and node.cpu_seconds is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_an_open_node_answers_without_credentials_and_gets_the_environment(tmp_path):
    with LocalScrapyd(tmp_path / "node", env={"NIANBAO_REPLICA": "http://127.0.0.1:9"}) as node:
        assert requests.get(f"{node.url}/daemonstatus.json", timeout=5).ok
        with open(f"/proc/{node.pid}/environ", "rb") as environ:
            assert b"NIANBAO_REPLICA=http://127.0.0.1:9\0" in environ.read()
        assert os.sched_getaffinity(node.pid) == os.sched_getaffinity(0)  # unpinned
