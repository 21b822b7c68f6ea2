#!/usr/bin/env bash
# Install what the project needs on a fresh Debian machine: system packages, then the virtualenv.
# Usage: scripts/setup.sh [system|python|all]   (idempotent; skips what is already there)
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd
  fonts-liberation2 fonts-noto-core ocrmypdf postgresql chromium time python3-venv)

system() {
  missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

python_env() {
  PY=${PYTHON:-python3}
  if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
  fi
  stamp=.venv/.installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
    .venv/bin/pip install -q --upgrade pip
    # exact versions, each checked against its hash (refresh with `make lock`), then the
    # project itself, editable, with nothing more to fetch
    .venv/bin/pip install -q --require-hashes -r requirements.lock
    .venv/bin/pip install -q --no-deps --no-build-isolation -e .
    touch "$stamp"
  fi
}

# Prefect's migrated database, kept once per machine and copied into each new data folder.
prefect_template() {
  .venv/bin/python -m flows.server
}

case "${1:-all}" in
  system) system ;;
  python) python_env ;;
  all) system; python_env; prefect_template ;;
  *) echo "usage: $0 [system|python|all]" >&2; exit 2 ;;
esac
