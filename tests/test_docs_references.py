"""The project's docs are complete on their own: nothing in docs/ or the code cites a document that is
not in the repository (the contract and design notes it grew from), and every `docs/api.md §N` names a
section that exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_DIRS = {".git", ".venv", "node_modules", "var", "__pycache__", "target", "staticfiles"}
THIS = Path(__file__).resolve()
OUTSIDE = re.compile(r"\b(?:API|DESIGN)\.md\b")  # case-sensitive: docs/api.md is ours
SECTION_REF = re.compile(r"docs/api\.md ((?:§\d+(?:[–-]§?\d+)?(?:, )?)+)")


def text_files():
    for path in sorted(ROOT.rglob("*")):
        if path.is_dir() or SKIP_DIRS.intersection(path.relative_to(ROOT).parts) or path.resolve() == THIS:
            continue
        if any(part.endswith(".egg-info") for part in path.parts) or path.stat().st_size > 2_000_000:
            continue
        try:
            yield path, path.read_text()
        except UnicodeDecodeError:
            continue


def api_sections() -> set[int]:
    text = (ROOT / "docs" / "api.md").read_text()
    return {int(n) for n in re.findall(r"^## (\d+)\. ", text, flags=re.M)}


def test_no_reference_to_documents_outside_the_repository():
    found = [f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}: {m.group(0)}"
             for path, text in text_files() for m in OUTSIDE.finditer(text)]
    assert not found, "cite docs/api.md or docs/architecture.md instead:\n" + "\n".join(found)


def test_docs_api_sections_are_numbered_one_to_nineteen():
    assert api_sections() == set(range(1, 20))


def test_every_section_reference_exists():
    sections = api_sections()
    bad = []
    for path, text in text_files():
        refs = [m.group(1) for m in SECTION_REF.finditer(text)]
        if path == ROOT / "docs" / "api.md":
            refs += re.findall(r"§\d+", text)
        for ref in refs:
            for number in re.findall(r"\d+", ref):
                if int(number) not in sections:
                    bad.append(f"{path.relative_to(ROOT)}: §{number}")
    assert not bad, "\n".join(bad)


def test_the_rule_catches_what_it_should():
    assert OUTSIDE.search("see API.md §3") and OUTSIDE.search("(DESIGN.md)")
    assert not OUTSIDE.search("docs/api.md §3") and not OUTSIDE.search("openAPI.md")
