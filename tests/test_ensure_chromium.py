"""tools/ensure-chromium, run with a fake `id` and `apt-get` on PATH: it installs Chromium only
where it is missing and the user is root with apt-get, and otherwise says why tests will skip."""

from __future__ import annotations

import subprocess
from pathlib import Path

SCRIPT = Path(__file__).parent.parent / "tools" / "ensure-chromium"


def fake_tools(folder: Path, uid: int, *, apt: bool) -> Path:
    """A PATH with only `id` (answering `uid`) and, if `apt`, an `apt-get` that logs its call."""
    folder.mkdir(parents=True)
    (folder / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (folder / "id").chmod(0o755)
    if apt:
        (folder / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {folder}/apt.log\n')
        (folder / "apt-get").chmod(0o755)
    return folder


def run(
    tmp_path: Path, uid: int, *, apt: bool, chromium: Path
) -> tuple[subprocess.CompletedProcess[str], str]:
    tools = fake_tools(tmp_path / "bin", uid, apt=apt)
    done = subprocess.run(
        ["/bin/bash", str(SCRIPT)],
        env={"PATH": str(tools), "CHROMIUM": str(chromium)},
        capture_output=True,
        text=True,
        check=False,
    )
    log = tools / "apt.log"
    return done, log.read_text() if log.exists() else ""


def test_root_with_apt_installs_a_missing_chromium(tmp_path: Path) -> None:
    done, apt = run(tmp_path, 0, apt=True, chromium=tmp_path / "no-chromium")
    assert done.returncode == 0, done.stderr
    assert apt.splitlines() == ["update -qq", "install -y -qq chromium"]


def test_a_present_chromium_installs_nothing(tmp_path: Path) -> None:
    present = tmp_path / "chromium"
    present.write_text("#!/bin/sh\n")
    present.chmod(0o755)
    done, apt = run(tmp_path, 0, apt=True, chromium=present)
    assert (done.returncode, apt, done.stdout, done.stderr) == (0, "", "", "")


def test_without_root_or_apt_it_says_why_the_browser_tests_skip(tmp_path: Path) -> None:
    done, apt = run(tmp_path, 1000, apt=True, chromium=tmp_path / "no-chromium")
    assert done.returncode == 0 and apt == ""
    assert "cannot be installed (not root): the browser tests will skip" in done.stderr
    done, _ = run(tmp_path / "again", 0, apt=False, chromium=tmp_path / "no-chromium")
    assert "cannot be installed (no apt-get here)" in done.stderr
