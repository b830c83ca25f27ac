"""Translations: `update` extracts the strings and compiles the catalogue; `check` proves the
French catalogue is complete and compiled (used by scripts/check.sh).

Message ids are English; French (Québec) is the default language and must be complete.
`update` needs GNU gettext's xgettext (Django's makemessages); `check` needs it too, to see
whether any string in the code is missing from the catalogue. Compiling uses polib.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
MAKEMESSAGES = [
    sys.executable,
    "manage.py",
    "makemessages",
    "-l",
    "fr",
    "--no-location",
    "--no-obsolete",
    "--ignore",
    "data/*",
    "--ignore",
    "bench/*",
    "--ignore",
    "build/*",
    "--ignore",
    "tests/*",
]


def extract() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    subprocess.run(MAKEMESSAGES, cwd=ROOT, check=True, env=env, stdout=subprocess.DEVNULL)


def compile_mo() -> None:
    polib.pofile(str(PO)).save_as_mofile(str(MO))


def problems(po: polib.POFile) -> list[str]:
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        elif entry.msgid_plural:
            if not all(entry.msgstr_plural.values()):
                found.append(f"untranslated plural: {entry.msgid!r}")
        elif not entry.msgstr:
            found.append(f"untranslated: {entry.msgid!r}")
    return found


def check() -> int:
    committed = PO.read_bytes()
    try:
        extract()
        fresh = polib.pofile(str(PO))
    finally:
        PO.write_bytes(committed)
    issues = problems(fresh)
    current = polib.pofile(str(PO))
    mo = (
        {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO))}
        if MO.exists()
        else {}
    )
    for entry in current.translated_entries():
        if mo.get((entry.msgctxt, entry.msgid)) != (entry.msgstr, entry.msgstr_plural):
            issues.append(
                f"not compiled: {entry.msgid!r} (run python scripts/translations.py update)"
            )
            break
    for line in issues:
        print(line)
    print(
        f"translations: {len(current.translated_entries())} French strings, {len(issues)} problems"
    )
    return 1 if issues else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        extract()
        compile_mo()
        po = polib.pofile(str(PO))
        print(f"{len(po.untranslated_entries())} untranslated, {len(po.fuzzy_entries())} fuzzy")
        sys.exit(0)
    sys.exit(check())
