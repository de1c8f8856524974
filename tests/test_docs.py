"""The docs stay true about the code: every repository path a page under docs/ names exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A path in backticks or a Markdown link that starts at one of the repository's top-level folders or files.
TOP = "|".join(re.escape(p.name) for p in ROOT.iterdir() if not p.name.startswith(".") and p.name != "var")
NAMED = re.compile(rf"(?:`|\]\()((?:{TOP})(?:/[\w.\-]+)*/?)[`)#]")


# Folders a run creates and git ignores (bench/results/ holds EXPLAIN plans) are named without existing.
IGNORED = {line.strip() for line in (ROOT / ".gitignore").read_text().splitlines() if "/" in line.strip("/")}


def named_paths(text: str) -> set[str]:
    return set(NAMED.findall(text))


def test_named_paths_finds_code_and_links():
    text = "see `tickets/picklists.py`, [the feed](tickets/feed/registry.py) and `config/` but not `make demo`"
    assert named_paths(text) == {"tickets/picklists.py", "tickets/feed/registry.py", "config/"}


def test_every_path_named_in_docs_exists():
    pages = sorted((ROOT / "docs").glob("*.md"))
    assert any(page.name == "architecture.md" for page in pages)
    missing = {
        f"{page.name}: {path}"
        for page in pages
        for path in named_paths(page.read_text()) - IGNORED
        if not (ROOT / path).exists()
    }
    assert missing == set()
    assert len(named_paths((ROOT / "docs" / "architecture.md").read_text())) > 40


def test_the_readme_points_to_pages_that_exist():
    # the README's layout pointer and every other path it names
    readme = (ROOT / "README.md").read_text()
    assert "docs/architecture.md" in named_paths(readme)
    assert {path for path in named_paths(readme) - IGNORED if not (ROOT / path).exists()} == set()
