"""Summarise locust's CSV (var/loadtest/locust_stats.csv) into summary.json and a markdown table."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def main() -> None:
    out, users, duration = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    rows = list(csv.DictReader((out / "locust_stats.csv").open()))
    server_5xx = int((out / "server_5xx.txt").read_text().strip() or 0) if (out / "server_5xx.txt").exists() else None
    failures = list(csv.DictReader((out / "locust_failures.csv").open())) if (out / "locust_failures.csv").exists() else []
    loadavg = {k: (out / f"loadavg_{k}.txt").read_text().split() for k in ("before", "after")
               if (out / f"loadavg_{k}.txt").exists()}
    table = []
    for r in rows:
        table.append({"name": r["Name"], "method": r["Type"], "requests": int(r["Request Count"]),
                      "failures": int(r["Failure Count"]), "p50_ms": float(r["50%"] or 0),
                      "p95_ms": float(r["95%"] or 0), "p99_ms": float(r["99%"] or 0), "rps": float(r["Requests/s"])})
    total = next(t for t in table if t["name"] == "Aggregated")
    summary = {"users": int(users), "duration": duration, "requests": total["requests"], "failures": total["failures"],
               "error_rate": round(total["failures"] / total["requests"], 5) if total["requests"] else None,
               "server_5xx": server_5xx, "machine_loadavg": loadavg, "rps": total["rps"], "p50_ms": total["p50_ms"], "p95_ms": total["p95_ms"],
               "pages": [t for t in table if t["name"] != "Aggregated"],
               "failure_kinds": [{"name": f["Name"], "error": f["Error"], "count": int(f["Occurrences"])}
                                 for f in failures]}
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    lines = ["| Page / endpoint | Requests | Failures | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|---:|"]
    for t in sorted(summary["pages"], key=lambda t: t["name"]):
        lines.append(f"| {t['name']} | {t['requests']} | {t['failures']} | {t['p50_ms']:.0f} | {t['p95_ms']:.0f} | "
                     f"{t['p99_ms']:.0f} |")
    lines.append(f"| **all** | **{total['requests']}** | **{total['failures']}** | **{total['p50_ms']:.0f}** | "
                 f"**{total['p95_ms']:.0f}** | **{total['p99_ms']:.0f}** |")
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "pages"}, ensure_ascii=False))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
