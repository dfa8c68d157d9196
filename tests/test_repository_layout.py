"""The package stands alone: nothing in it points at a `../shared` folder
beside the repository, which a user's clone does not have."""

import pathlib
import re

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "keras_electra"
# `shared/` or `shared\` in a path, or "shared" / 'shared' as a path component.
SHARED_PATH = re.compile(r"""\bshared[/\\]|(["'])shared\1""")


def test_no_package_module_names_the_shared_folder():
    hits = []
    for path in sorted(PACKAGE.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if SHARED_PATH.search(line):
                hits.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()[:120]}")
    assert not hits, "the package names the shared folder:\n" + "\n".join(hits)


def test_the_layout_check_sees_each_spelling():
    lines = ['load("../shared/data/x.json")', "os.path.join(ROOT, 'shared', 'data')",
             r"C:\shared\data", 'parts = ("..", "shared")']
    assert all(SHARED_PATH.search(line) for line in lines)
    assert not SHARED_PATH.search("the shared embeddings are shared by both towers")
