"""The deploy files hold up: systemd accepts the units as written (`systemd-analyze verify`, and
their hardening by `systemd-analyze security`), and the cron line runs the crawl only at 02 in
Beijing, prints nothing when it succeeds and the failure when it does not (what MAILTO mails).

systemd comes with the Debian images this project runs on; without `systemd-analyze` the unit
checks are skipped (`apt-get install systemd` brings it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = ("nianbao.service", "nianbao.timer", "nianbao-failure@.service")
INSTALLED = "/opt/nianbao/bin/nianbao"


def nianbao_here() -> str:
    """This machine's `nianbao`, standing in for the virtualenv's under /opt (verify checks it exists)."""
    beside = Path(sys.executable).with_name("nianbao")
    found = str(beside) if beside.exists() else shutil.which("nianbao")
    if not found:
        pytest.skip("no nianbao executable installed")
    return found


@pytest.fixture
def units(tmp_path) -> Path:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    for name in UNITS:
        (tmp_path / name).write_text((DEPLOY / name).read_text().replace(INSTALLED, nianbao_here()))
    return tmp_path


def test_systemd_analyze_verify_passes_on_the_units_without_a_word(units):
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *(str(units / name) for name in UNITS)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # Unknown or misspelt options are only warned about: none may be.
    assert result.stdout.strip() == "" and result.stderr.strip() == "", result.stderr


def test_the_service_is_hardened(units):
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(units / "nianbao.service")],
                            capture_output=True, text=True, timeout=120)
    level = re.search(r"Overall exposure level for nianbao\.service: ([\d.]+)", result.stdout + result.stderr)
    if result.returncode != 0 and level is None:
        pytest.skip(f"systemd-analyze security --offline is not supported here: {result.stderr.strip()[:200]}")
    # 0 is locked down, 10 is none of it (a plain service scores 9.6).
    assert float(level.group(1)) <= 4.0, result.stdout


def test_the_service_runs_as_its_user_from_the_virtualenv_in_its_own_directories():
    unit = (DEPLOY / "nianbao.service").read_text()
    assert re.search(r"^ExecStart=/opt/nianbao/bin/nianbao crawl ", unit, re.M)
    for line in ("User=nianbao", "StateDirectory=nianbao", "LogsDirectory=nianbao", "OnFailure=nianbao-failure@%n.service",
                 "ProtectSystem=strict", "PrivateTmp=yes", "NoNewPrivileges=yes"):
        assert re.search(f"^{re.escape(line)}$", unit, re.M), line
    assert "u nianbao " in (DEPLOY / "nianbao.sysusers").read_text()


# -- cron -----------------------------------------------------------------------------------------


def cron_command(tmp_path: Path, crawl_status: int) -> str:
    """The crontab's crawl line as cron runs it (`\\%` is a plain `%`), with a stand-in nianbao."""
    line = next(line for line in (DEPLOY / "crontab").read_text().splitlines() if line.startswith("30 * * * * "))
    fake = tmp_path / "nianbao"
    fake.write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path}/called\n"
                    f"case \"$1\" in runs) echo 'run 9  2026-12-01 failed';; *) echo noise; echo noise >&2; "
                    f"exit {crawl_status};; esac\n")
    fake.chmod(0o755)
    command = line.split(" ", 5)[5].replace("\\%", "%")
    return command.replace(INSTALLED, str(fake)).replace("/var/lib/nianbao", str(tmp_path))


def run_cron(tmp_path: Path, *, beijing_hour: str, crawl_status: int) -> tuple[str, list[str]]:
    # A `date` that answers the hour asked for, in the zone the line asks for.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "date").write_text(f"#!/bin/sh\n[ \"$TZ\" = Asia/Shanghai ] && echo {beijing_hour} || echo 99\n")
    (bin_dir / "date").chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(["/bin/sh", "-c", cron_command(tmp_path, crawl_status)], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 or beijing_hour == "02", result
    called = (tmp_path / "called").read_text().splitlines() if (tmp_path / "called").exists() else []
    return result.stdout + result.stderr, called


def test_cron_crawls_only_at_two_in_beijing(tmp_path):
    assert run_cron(tmp_path, beijing_hour="03", crawl_status=0) == ("", [])
    output, called = run_cron(tmp_path, beijing_hour="02", crawl_status=0)
    assert output == "" and called == ["crawl --db nianbao.db"]


def test_cron_prints_a_failed_run_for_mailto_and_nothing_for_a_locked_one(tmp_path):
    output, called = run_cron(tmp_path, beijing_hour="02", crawl_status=1)
    assert output.splitlines() == ["nianbao crawl exited with status 1", "run 9  2026-12-01 failed"]
    assert called == ["crawl --db nianbao.db", "runs --db nianbao.db --last 1"]
    (tmp_path / "called").unlink()
    assert run_cron(tmp_path, beijing_hour="02", crawl_status=75)[0] == ""
