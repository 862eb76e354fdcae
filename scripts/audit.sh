#!/usr/bin/env bash
# Audit the installed Python packages against published advisories with pip-audit.
#
#   scripts/audit.sh           run the audit (exit 1 on any vulnerability not accepted below)
#   scripts/audit.sh --list    print the accepted exceptions: ID, package, reason (one a line)
#
# Every accepted exception is written down, with its reason, in SECURITY.md under
# "Accepted audit exceptions"; tests/test_security.py keeps the two lists in step.
# Offline-safe: when the advisory database cannot be reached (no network, DNS failure, or an
# index that answers "not found" for every package), it prints a notice and exits 0. That is the
# only failure it lets pass: any other pip-audit error, or any unaccepted finding, fails.
# Environment: PIP_AUDIT (default .venv/bin/pip-audit), PYTHON (default .venv/bin/python),
# AUDIT_TIMEOUT (seconds per request, default 15).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PIP_AUDIT="${PIP_AUDIT:-$ROOT/.venv/bin/pip-audit}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[[ -x "$PYTHON" ]] || PYTHON="$(command -v python3)"

# Accepted exceptions: ID, package, reason. Keep in step with SECURITY.md.
ACCEPTED="$(cat <<'LIST'
GHSA-f4j7-r4q5-qw2c chromadb CVE-2026-45829: pre-auth code injection in the Chroma server's collections endpoint; server only, we embed Chroma or use a private server; no fixed release
GHSA-36p7-vc44-83pf chromadb CVE-2026-45833: code injection via trust_remote_code when a collection is updated through the Chroma server; server only; no fixed release
GHSA-2wm9-hf6c-p5cr chromadb Chroma server lets any authenticated user read or change any tenant's data; server multi-tenancy only; no fixed release
GHSA-xph7-9rjv-w5fr chromadb Chroma server's SimpleRBACAuthorizationProvider does not scope permissions; server RBAC only; no fixed release
LIST
)"

if [[ "${1:-}" == "--list" ]]; then
    printf '%s\n' "$ACCEPTED"
    exit 0
fi
if [[ $# -gt 0 ]]; then
    echo "usage: scripts/audit.sh [--list]" >&2
    exit 2
fi
if [[ ! -x "$PIP_AUDIT" ]]; then
    echo "audit: $PIP_AUDIT not found: run \`make setup\` (pip-audit is a dev dependency)." >&2
    exit 2
fi

ignore=()
while read -r id _; do
    [[ -n "$id" ]] && ignore+=(--ignore-vuln "$id")
done <<<"$ACCEPTED"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$PIP_AUDIT" --local --skip-editable --progress-spinner off --timeout "${AUDIT_TIMEOUT:-15}" \
    --format json --output "$work/report.json" "${ignore[@]}" 2>"$work/stderr"
status=$?

"$PYTHON" - "$work/report.json" "$work/stderr" "$status" <<'PY'
"""Decide the audit's outcome from pip-audit's JSON report, its stderr and its exit status."""

import json
import re
import sys
from pathlib import Path

report_path, stderr_path, status = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
stderr = stderr_path.read_text(errors="replace")
UNREACHABLE = re.compile(
    r"ConnectionError|ConnectTimeout|ReadTimeout|timed out|Max retries exceeded|Failed to resolve"
    r"|Name or service not known|Temporary failure in name resolution|Network is unreachable"
    r"|network may be blocking|ProxyError|SSLError|Connection refused|Connection reset",
)


def notice(why: str) -> None:
    print(f"audit: NOTICE: the advisory database could not be reached ({why}).")
    print("audit: NOTICE: nothing was audited; run scripts/audit.sh again where PyPI is reachable.")
    sys.exit(0)


try:
    report = json.loads(report_path.read_text() or "null")
except (OSError, ValueError):
    report = None

if report is None:
    if status != 0 and UNREACHABLE.search(stderr):
        line = next((ln for ln in reversed(stderr.splitlines()) if UNREACHABLE.search(ln)), "")
        notice(line.strip()[:200] or "connection error")
    if status == 0:
        print("audit: pip-audit found no known vulnerabilities.")
        sys.exit(0)
    sys.stderr.write(stderr)
    print(f"audit: FAILED: pip-audit exited with status {status} and wrote no report.", file=sys.stderr)
    sys.exit(status or 1)

dependencies = report.get("dependencies", [])
audited = [d for d in dependencies if "skip_reason" not in d]
skipped = [d for d in dependencies if "skip_reason" in d]
not_found = [d for d in skipped if "could not be audited" in d["skip_reason"]]
if dependencies and not audited and not_found:
    notice(f"the index answered 'not found' for all {len(not_found)} installed packages")

findings = [(d["name"], d["version"], v) for d in audited for v in d.get("vulns", [])]
if findings:
    print(f"audit: FAILED: {len(findings)} known vulnerabilities not in the accepted list:", file=sys.stderr)
    for name, version, vuln in findings:
        aliases = ", ".join(vuln.get("aliases", []))
        fixes = ", ".join(vuln.get("fix_versions", [])) or "none yet"
        print(f"  {name} {version}: {vuln['id']} ({aliases}) fixed in: {fixes}", file=sys.stderr)
    print("Upgrade, or accept it in scripts/audit.sh and SECURITY.md with the reason.", file=sys.stderr)
    sys.exit(1)
if status != 0:
    sys.stderr.write(stderr)
    print(f"audit: FAILED: pip-audit exited with status {status}.", file=sys.stderr)
    sys.exit(status)
ignored = re.search(r"(\d+) ignored", stderr)
print(
    f"audit: OK: {len(audited)} packages audited, no known vulnerabilities "
    f"beyond the accepted exceptions ({ignored.group(1) if ignored else 0} matched; see SECURITY.md)."
)
if skipped:
    names = ", ".join(sorted(d["name"] for d in skipped))
    print(f"audit: {len(skipped)} packages could not be audited (not on PyPI or editable): {names}")
PY
