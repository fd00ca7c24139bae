#!/usr/bin/env bash
# The GPU backend's checks and measurements, in one go, on a machine with an NVIDIA GPU and CuPy
# (issue 18).  Run from anywhere:  bash benchmarks/gpu_check.sh [install|tests|bench]...
# (no argument: all three, in that order).  Every step has a timeout (90 + 150 + 120 + 210 s;
# at most 9.5 minutes in all), and a rerun can repeat one step.
#
#   install  pip install --no-deps -e .   (CuPy and the scientific stack are already there)
#   tests    the CuPy/CUDA tests: tests/test_gpu.py, tests/test_engine.py -k cupy, and the
#            simulator tests of tests/test_cuda_sim.py (CPU, as a control)
#   bench    python benchmarks/bench_gpu.py (FIR/IIR on 1e8 samples vs cupyx.scipy.signal,
#            the AR plan calibration, fit_many 100,000 x 200 CSS and Whittle vs the CPU)
#
# If the bench step runs out of time, rerun it alone with smaller sizes or fewer sections, e.g.
#   BENCH_ARGS="--scale 0.3" bash benchmarks/gpu_check.sh bench
# BENCH_ARGS passes options to bench_gpu.py (e.g. BENCH_ARGS="--scale 0.3" or "--only fir --only ar").
# Output: everything on stdout; the benchmark's table also in $OUT/bench_gpu.txt when $OUT is
# set (the device tool brings that folder back).  Paste the table into docs/gpu.md and README.
set -u -o pipefail
cd "$(dirname "$0")/.."
export NUMBA_CACHE_DIR="${NUMBA_CACHE_DIR:-/tmp/numba_gpu_check}"
export PYTHONUNBUFFERED=1
steps=("$@")
[ ${#steps[@]} -eq 0 ] && steps=(install tests bench)
status=0

for step in "${steps[@]}"; do
  echo "=== gpu_check: $step ($(date -u +%H:%M:%S) UTC)"
  case "$step" in
    install)
      timeout 90 python -m pip install --no-deps -q -e . || { echo "install failed"; exit 1; }
      python - <<'EOF'
import cupy, numba
from numba import cuda
print("cupy", cupy.__version__, "numba", numba.__version__, "numba sees a GPU:", cuda.is_available())
d = cupy.cuda.runtime.getDeviceProperties(0)
print("device:", d["name"].decode() if isinstance(d["name"], bytes) else d["name"], d["multiProcessorCount"], "SMs")
import convts.backends as b
print("convts cupy backend available:", b.available("cupy"))
be = b.get_backend("cupy")
print("numba.cuda kernels usable (else array-code fallback, with its reason):", be.kernels_available(),
      be._KERNELS_REASON[0])
EOF
      ;;
    tests)
      # the whole of test_gpu.py: its NumPy cases are seconds, its CuPy cases are the point
      timeout 150 python -m pytest -q -p no:randomly tests/test_gpu.py tests/test_cuda_sim.py || status=1
      timeout 120 python -m pytest -q -p no:randomly tests/test_engine.py -k "cupy or cuda" || status=1
      ;;
    bench)
      if [ -n "${OUT:-}" ]; then
        timeout 210 python benchmarks/bench_gpu.py --repeat 3 ${BENCH_ARGS:-} | tee "$OUT/bench_gpu.txt" || status=1
      else
        timeout 210 python benchmarks/bench_gpu.py --repeat 3 ${BENCH_ARGS:-} || status=1
      fi
      ;;
    *)
      echo "unknown step $step (use install, tests, bench)"; exit 2 ;;
  esac
done
echo "=== gpu_check done, status $status"
exit $status
