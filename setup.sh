#!/usr/bin/env bash
# Installs what gridhil needs on Debian 12 (or Ubuntu 22.04+): the HDF5 library for the run
# log, tshark and Python tools the tests compare against, iproute2 for network namespaces.
# Safe to run again: it skips what is already there.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

packages=(
  build-essential pkg-config      # C toolchain for -sys crates
  libhdf5-dev hdf5-tools          # HDF5 run log (hdf5-metno builds against libhdf5 1.10)
  python3 python3-venv python3-h5py python3-numpy  # independent readers of the run log
  tshark                          # independent protocol dissectors for the tests
  iproute2 ethtool                # network namespaces and veth pairs for raw-Ethernet tests
  util-linux                      # setpriv: runs tests without real-time privileges
)

missing=()
for p in "${packages[@]}"; do
  case "$p" in \#*) continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "setup: installing the Rust toolchain with rustup (https://rustup.rs)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    echo "setup: run 'source \$HOME/.cargo/env' (or open a new shell) so that cargo is on PATH"
  fi
fi

# Third-party protocol peers the tests run against (pinned; see ../shared/peers/README.md).
venv="$(dirname "$0")/.venv"
# Debian's Python, whose site packages hold python3-h5py and python3-numpy (a python3 earlier
# on PATH, e.g. from pyenv, would not see them).
system_python=/usr/bin/python3
[ -x "$system_python" ] || system_python="$(command -v python3)"
if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c "import h5py, numpy" >/dev/null 2>&1; then
  echo "setup: $venv cannot import h5py and numpy; making it again from $system_python"
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  "$system_python" -m venv --system-site-packages "$venv"
fi
peers=(synchrophasor==1.0.0a0 pyc37==1.0.2 psutil pyiec61850-ng==1.6.1.10 c104==2.2.1)
if ! "$venv/bin/python" -m pip show synchrophasor pyc37 pyiec61850-ng c104 >/dev/null 2>&1; then
  echo "setup: installing Python test peers into .venv: ${peers[*]}"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${peers[@]}" \
    || echo "setup: warning: could not install the Python peers; tests that need them will skip"
fi

# DPsim: the EMT solver gridsim's switching tests compare with (pinned; a 58 MB wheel for
# CPython 3.11 on x86-64 Linux). Without its declared dependencies: they would pull numpy 2
# into .venv, shadowing Debian's numpy 1.24 that python3-h5py is built against (h5py then
# fails to import); dpsimpy itself runs on Debian's numpy.
if ! "$venv/bin/python" -c "import dpsimpy" >/dev/null 2>&1; then
  echo "setup: installing dpsim==1.4.0 into .venv (gridsim cross-check)"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps dpsim==1.4.0 \
    || echo "setup: warning: could not install dpsim; the gridsim DPsim cross-check will skip"
fi

echo "setup: ok"
