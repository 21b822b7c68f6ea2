"""Packaging: a non-editable install carries its models and runs; the lock file pins every
dependency pyproject.toml names, within its bounds, with hashes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
PLAN = """ỦY BAN NHÂN DÂN
XÃ TÂN HÒA
Số: 15/KH-UBND
Tân Hòa, ngày 10 tháng 3 năm 2024

KẾ HOẠCH
Thực hiện mục tiêu giảm nghèo năm 2024

I. MỤC TIÊU
- Phấn đấu giảm tỷ lệ hộ nghèo toàn xã xuống dưới 1,2% trong năm 2024.
- 100% người thuộc hộ nghèo được hỗ trợ tham gia bảo hiểm y tế.
"""


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of requirements.lock."""
    pins: dict[str, tuple[str, int]] = {}
    name = None
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        pin = re.match(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s\\;]+)", line)
        if pin:
            name = canonicalize_name(pin.group(1).split("[")[0])
            pins[name] = (pin.group(2), 0)
        elif name and "--hash=sha256:" in line:
            version, hashes = pins[name]
            pins[name] = (version, hashes + 1)
    return pins


def test_lock_pins_every_dependency_within_its_bounds():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in ("dev", "postgres", "dask"):
        wanted += project["optional-dependencies"][extra]
    pins = _locked()
    stale = []
    for text in wanted:
        requirement = Requirement(text)
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None or not requirement.specifier.contains(pinned[0], prereleases=True):
            stale.append(f"{text} (locked: {pinned[0] if pinned else 'missing'})")
    assert not stale, f"requirements.lock is stale, run `make lock`: {stale}"
    assert all(hashes > 0 for _, hashes in pins.values())
    assert pins["prefect"][0] == "3.8.8"
    assert tuple(int(p) for p in pins["fastapi"][0].split(".")[:2]) < (0, 151)


def _copy_sources(target: Path) -> Path:
    """What a checkout hands the build: pyproject, README, the packages and models/."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pipeline", "flows", "models"):
        shutil.copytree(ROOT / name, target / name, symlinks=True, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    return target


def test_non_editable_install_carries_its_models_and_runs(tmp_path):
    """Build the wheel, install it (not editable) into a fresh virtualenv that sees the dev
    environment's dependencies but not this source tree, and run `plans` on a plan there."""
    source = _copy_sources(tmp_path / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True)
    [wheel] = (tmp_path / "dist").glob("vn_plans-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], check=True, capture_output=True,
                               text=True).stdout.strip())
    # the dev environment's packages, after the venv's own (its editable hook is not run)
    (site / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)

    work = tmp_path / "elsewhere"  # no checkout here: imports must come from the venv
    work.mkdir()
    (work / "kế hoạch.txt").write_text(PLAN, encoding="utf-8")
    # its own data and Prefect home; no Prefect server of this test run (PREFECT_API_URL)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PLANS_DB_URL", "PREFECT_API_URL")}
    env.update(PLANS_HOME=str(tmp_path / "home"), PREFECT_HOME=str(tmp_path / "prefect"))
    where = subprocess.run(
        [python, "-c", "import pipeline, flows; from pipeline.restore_model import MODEL_DIR as r;"
         " from pipeline.extract.nlp import MODEL_DIR as s; print(pipeline.__file__);"
         " print(flows.__file__); print(r); print(s)"],
        cwd=work, env=env, check=True, capture_output=True, text=True).stdout.split()
    assert all(path.startswith(str(site)) for path in where), where
    assert (Path(where[2]) / "lm.npz").is_file() and (Path(where[3]) / "config.cfg").is_file()

    plans = venv / "bin" / "plans"
    ingest = subprocess.run([plans, "ingest", "kế hoạch.txt"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=600)
    assert ingest.returncode == 0, ingest.stderr[-3000:]
    targets = subprocess.run([plans, "targets", "--format", "json"], cwd=work, env=env,
                             capture_output=True, text=True, check=True)
    found = {(t["indicator"], t["value"]) for t in json.loads(targets.stdout)}
    assert ("poverty_rate", 1.2) in found  # read, restored, extracted, stored by the wheel
