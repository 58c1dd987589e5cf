#!/usr/bin/env bash
# Runs every test of the platform: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
rm -rf TestResults
status=0
dotnet test Platform.sln --logger "trx" --logger "console;verbosity=minimal" --results-directory TestResults "$@" || status=$?
# One closing line over all test projects, the form CI reads.
passed=0; failed=0; skipped=0
for trx in TestResults/*.trx; do
    [ -e "$trx" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
    p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
    # Skipped tests are counted in total but not executed (the trx's notExecuted stays 0 for xunit's skips).
    t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
    n=$(( ${t:-0} - ${e:-0} ))
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
if [ "$failed" -gt 0 ] && command -v python3 >/dev/null; then python3 scripts/trx-failures.py TestResults/*.trx; fi
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit $status
