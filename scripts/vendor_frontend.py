"""Fetch the pinned front-end packages from the npm registry and copy their files into the app.

Usage: python scripts/vendor_frontend.py [--check]

Each tarball's sha512 integrity is checked against frontend.lock.json before anything is
copied; the sha256 of every copied file is written back to the lock so that a test can prove
the served copies are the pinned ones. --check only compares the copies with the lock.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "frontend.lock.json"
DEST = ROOT / "src" / "bonnebouffe" / "core" / "static" / "vendor"
REGISTRY = "https://registry.npmjs.org"


def tarball_url(name: str, version: str) -> str:
    return f"{REGISTRY}/{name}/-/{name.split('/')[-1]}-{version}.tgz"


def main(check_only: bool) -> int:
    lock = json.loads(LOCK.read_text())
    failures = 0
    for pkg in lock["packages"]:
        if check_only:
            for dest, digest in pkg.get("file_sha256", {}).items():
                actual = hashlib.sha256((DEST / dest).read_bytes()).hexdigest()
                if actual != digest:
                    print(f"MISMATCH {dest}")
                    failures += 1
            continue
        with urllib.request.urlopen(tarball_url(pkg["name"], pkg["version"]), timeout=60) as r:
            data = r.read()
        algo, b64 = pkg["integrity"].split("-", 1)
        if base64.b64encode(hashlib.new(algo, data).digest()).decode() != b64:
            raise SystemExit(f"integrity check failed for {pkg['name']}@{pkg['version']}")
        hashes = {}
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for src, dest in pkg["files"].items():
                member = tar.extractfile(src)
                assert member is not None, src
                content = member.read()
                target = DEST / dest
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
                hashes[dest] = hashlib.sha256(content).hexdigest()
        pkg["file_sha256"] = hashes
        print(f"vendored {pkg['name']}@{pkg['version']} ({len(hashes)} files)")
    if not check_only:
        LOCK.write_text(json.dumps(lock, indent=2, ensure_ascii=False) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
