"""Compile every .po file (project and apps) to .mo; .mo files are build products, not in git."""
import subprocess
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
failed = False
for po in sorted(list(root.glob("locale/*/LC_MESSAGES/*.po")) + list(root.glob("apps/*/locale/*/LC_MESSAGES/*.po"))):
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        continue
    result = subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], capture_output=True, text=True)
    if result.returncode:
        failed = True
        print(f"{po}: {result.stderr}", file=sys.stderr)
sys.exit(1 if failed else 0)
