#!/usr/bin/env bash
# Installs, idempotently, exactly the Debian 12 packages that building, testing and
# benchmarking quikedge need. Safe to run on every `make`: it does nothing when all
# packages are present.
set -euo pipefail

# `install-deps.sh build` installs only what building and running needs (make run);
# without an argument, also what the tests and benchmarks use (make test, make bench).
build_packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev liburing-dev libyaml-cpp-dev libssl-dev
  googletest libgtest-dev libgmock-dev curl libnghttp2-dev
)
test_packages=(
  libbenchmark-dev nginx-light haproxy wrk prometheus openssl
  python3 python3-websockets procps clang-format clang-tidy
  chromium fonts-dejavu-core clang-14 libfuzzer-14-dev libclang-rt-14-dev strace
  etcd-server etcd-client nghttp2-client python3-h2 python3-grpcio
)
packages=("${build_packages[@]}")
if [ "${1:-all}" != build ]; then
  packages+=("${test_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# nginx, haproxy and etcd must not start as services: tests and benchmarks run their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
