"""Every curl example in README.md and docs/**/*.md, run as written against a live server.

The convention (docs/development.md, "Examples in the docs"):

- a ```bash block is an example to run against the server: it holds `curl` and reads the base
  URL from `$API` and tokens from `$TOKEN` (commander), `$OFFICER_TOKEN` and `$ANALYST_TOKEN`;
- commands for the reader's own shell (`make run`, `manage.py ...`) go in ```sh blocks, and
  output in ```text, ```json or ```http blocks: those are never run;
- `<!-- no-test -->` on the line before a ```bash block leaves that block out;
- each block runs on its own with `bash -e -o pipefail`: a `curl -fsS` that gets an error
  status fails it. A call that shows an error on purpose prints its status (`-w`, `-i` or
  `-D -`) and claims it in a comment, `# -> 412`: the statuses the block prints must be the
  statuses it claims, in order.

Each page runs against fresh demo-like data (boroughs, corridors, a small seeded demo year,
a hotspot run, a user per role), so a page's examples may build on each other (a create with
a fixed UUID, then a read of it) but never on another page's.
"""

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from ebikeops.areas.corridors import corridors_load
from ebikeops.core.models import Role
from tests.factories import UserFactory, token_of

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<info>[\w+-]*)\s*$")
NO_TEST = "<!-- no-test -->"
CLAIM = re.compile(r"#\s*(?:->|→)\s*(?P<status>[1-5]\d\d)\b")
# A status line as `curl -i`/`-D -` prints it, or a bare status from `-w "%{http_code}"`.
PRINTED_STATUS = re.compile(r"^(?:HTTP/[\d.]+ )?(?P<status>[1-5]\d\d)(?: |$)")
BLOCK_TIMEOUT_S = 120


@dataclass(frozen=True)
class Example:
    path: Path
    line: int  # of the opening fence, 1-based
    code: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"

    @property
    def claimed_statuses(self) -> list[int]:
        return [int(match["status"]) for match in CLAIM.finditer(self.code)]


def doc_files() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def bash_blocks(path: Path) -> list[Example]:
    """The ```bash blocks of a Markdown file not marked `<!-- no-test -->`, dedented to their fence."""
    blocks: list[Example] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, start = len(opening["indent"]), index
        index += 1
        body: list[str] = []
        while index < len(lines) and not FENCE.match(lines[index]):
            body.append(lines[index][indent:] if lines[index][:indent].isspace() else lines[index].lstrip())
            index += 1
        index += 1  # the closing fence
        previous = next((line.strip() for line in reversed(lines[:start]) if line.strip()), "")
        if opening["info"] == "bash" and previous != NO_TEST:
            blocks.append(Example(path=path, line=start + 1, code="\n".join(body) + "\n"))
    return blocks


def printed_statuses(stdout: str) -> list[int]:
    statuses = [int(match["status"]) for line in stdout.splitlines() if (match := PRINTED_STATUS.match(line.strip()))]
    return [status for status in statuses if status >= 200]  # 100 Continue is curl's business


def run_example(example: Example, *, env: dict[str, str], cwd: Path) -> str | None:
    """Run one block with bash; None when it did what it says, else why not (naming file and line)."""
    try:
        done = subprocess.run(  # noqa: S603 - our own docs, run by bash on purpose
            ["/bin/bash", "-e", "-o", "pipefail", "-c", example.code],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"{example.where}: the example did not finish within {BLOCK_TIMEOUT_S} s:\n{example.code}"
    shown = f"\n--- example\n{example.code}--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
    if done.returncode != 0:
        return f"{example.where}: the example failed (bash exit {done.returncode}).{shown}"
    printed, claimed = printed_statuses(done.stdout), example.claimed_statuses
    if printed != claimed:
        return (
            f"{example.where}: the example printed the statuses {printed} but claims {claimed} "
            f"(mark each status it shows with a `# -> NNN` comment, in order).{shown}"
        )
    return None


def pages_with_examples() -> list[Path]:
    return [path for path in doc_files() if bash_blocks(path)]


@pytest.fixture
def docs_server(boroughs, live_server, settings, tmp_path):
    """A live server over demo-like data, and the environment its examples read."""
    if shutil.which("curl") is None:
        pytest.fail("curl is missing: run `make system-deps` (scripts/system_deps.sh installs it).")
    settings.MEDIA_ROOT = tmp_path / "media"
    corridors_load(path=settings.CORRIDORS_FILE)
    call_command("load_demo", end=timezone.localdate(), operations=30, stdout=StringIO())
    call_command("compute_hotspots", stdout=StringIO())
    commander = UserFactory(username="commander", role=Role.COMMANDER)
    officer = UserFactory(username="officer", role=Role.OFFICER, team="Ealing Town Centre Team")
    analyst = UserFactory(username="analyst", role=Role.ANALYST)
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    (workdir / "docs").symlink_to(REPO / "docs")  # examples that name docs/... files run as from the repo
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "API": live_server.url,
        "TOKEN": token_of(commander),
        "OFFICER_TOKEN": token_of(officer),
        "ANALYST_TOKEN": token_of(analyst),
    }
    return env, workdir


@pytest.mark.parametrize("page", pages_with_examples(), ids=lambda path: str(path.relative_to(REPO)))
def test_every_curl_example_on_the_page_works_as_written(page, docs_server):
    env, workdir = docs_server
    for example in bash_blocks(page):
        problem = run_example(example, env=env, cwd=workdir)
        # Later examples on a page may build on earlier ones: stop at the first that fails.
        assert problem is None, problem


def test_every_bash_block_is_a_curl_example_against_api():
    """```bash means "run me against the server"; anything else belongs in a ```sh block."""
    wrong = []
    for path in doc_files():
        for example in bash_blocks(path):
            if "curl" not in example.code:
                wrong.append(f"{example.where}: a ```bash block without curl: make it ```sh (never run)")
            if re.search(r"https?://(127\.0\.0\.1|localhost)", example.code):
                wrong.append(f"{example.where}: a hard-coded server: use $API so the example runs anywhere")
    assert not wrong, "\n".join(wrong)


def test_the_api_pages_each_have_examples():
    pages = sorted((REPO / "docs" / "api").glob("*.md"))
    assert pages, "docs/api/ has no pages"
    without = [str(page.relative_to(REPO)) for page in pages if page.name != "index.md" and not bash_blocks(page)]
    assert not without, f"these API pages have no tested curl example: {without}"


def test_a_failing_example_is_reported_with_its_file_and_line(docs_server, tmp_path):
    env, workdir = docs_server
    page = tmp_path / "page.md"
    page.write_text(
        '# A page\n\n```bash\ncurl -fsS -H "Authorization: Token $TOKEN" "$API/api/v1/nowhere/"\n```\n\n'
        "```bash\ncurl -sS -o /dev/null -w '%{http_code}\\n' \"$API/api/v1/operations/\"\n# -> 200\n```\n"
    )
    failing, mislabelled = (Example(path=REPO / "docs" / "x.md", line=e.line, code=e.code) for e in bash_blocks(page))

    problem = run_example(failing, env=env, cwd=workdir)
    assert problem is not None and problem.startswith("docs/x.md:3: the example failed")
    assert "404" in problem

    problem = run_example(mislabelled, env=env, cwd=workdir)  # anonymous: 401, but it claims 200
    assert problem is not None and problem.startswith("docs/x.md:7: the example printed the statuses [401]")
