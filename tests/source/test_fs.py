"""The file system interface: regular files only, nothing outside the root, caps before reading."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from dify_lint.source.files import read_text
from dify_lint.source.fs import DiskFS, Kind, OverlayFS, ReadFailure, ZipFS


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "plugin"
    (root / "tools").mkdir(parents=True)
    (root / "tools" / "echo.py").write_text("print('hi')\n", "utf-8")
    (root / "manifest.yaml").write_text("name: x\n", "utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref\n", "utf-8")
    (tmp_path / "secret.txt").write_text("TOKEN=hunter2\n", "utf-8")
    return root


def test_reads_regular_files(tree):
    fs = DiskFS(tree)
    assert fs.read("tools/echo.py", 100) == b"print('hi')\n"
    assert fs.kind("tools") is Kind.DIR
    assert fs.kind("nope.py") is Kind.MISSING


def test_a_link_out_of_the_root_is_never_read(tree):
    os.symlink(tree.parent / "secret.txt", tree / "tools" / "helper.py")
    os.symlink("/etc", tree / "etc")
    fs = DiskFS(tree)
    assert fs.kind("tools/helper.py") is Kind.OUTSIDE
    with pytest.raises(ReadFailure) as failure:
        fs.read("tools/helper.py", 1000)
    assert "outside the plugin root" in failure.value.message
    assert fs.listdir("etc") is None
    assert fs.kind("etc/passwd") is Kind.OUTSIDE
    problem = read_text(fs, "tools/helper.py", 1000, python=True).problem
    assert problem is not None and "hunter2" not in problem.message


def test_a_link_inside_the_root_is_followed(tree):
    os.symlink("echo.py", tree / "tools" / "alias.py")
    fs = DiskFS(tree)
    assert fs.kind("tools/alias.py") is Kind.FILE
    assert fs.read("tools/alias.py", 100) == b"print('hi')\n"


def test_a_fifo_is_reported_not_opened(tree):
    os.mkfifo(tree / "tools" / "pipe.py")
    fs = DiskFS(tree)
    assert fs.kind("tools/pipe.py") is Kind.SPECIAL
    with pytest.raises(ReadFailure, match="not a regular file"):
        fs.read("tools/pipe.py", 1000)  # would block forever if it were opened


def test_a_device_behind_a_name_is_not_read(tree):
    os.symlink("/dev/zero", tree / "tools" / "zero.py")
    with pytest.raises(ReadFailure):
        DiskFS(tree).read("tools/zero.py", 1000)


def test_the_cap_applies_before_reading(tree):
    (tree / "big.yaml").write_bytes(b"x" * 5000)
    with pytest.raises(ReadFailure) as failure:
        DiskFS(tree).read("big.yaml", 1000)
    assert failure.value.limit


def test_paths_that_climb_out_are_refused(tree):
    fs = DiskFS(tree)
    for written in ("../secret.txt", "/etc/passwd", "tools/../../secret.txt", "C:/x"):
        resolved = fs.resolve(written)
        assert resolved.relative is None and resolved.problem, written


def test_walk_skips_folders_and_does_not_follow_links(tree):
    os.symlink(tree / "tools", tree / "linked")
    os.symlink("/", tree / "root")
    files = DiskFS(tree).walk(lambda name: name == ".git")
    assert files == ["manifest.yaml", "root", "tools/echo.py"]


def test_a_link_loop_ends(tree):
    os.symlink("b", tree / "a")
    os.symlink("a", tree / "b")
    fs = DiskFS(tree)
    assert fs.kind("a") in (Kind.BROKEN, Kind.MISSING)
    with pytest.raises(ReadFailure):
        fs.read("a", 10)
    assert "a" in fs.walk()


def test_glob_matches_like_pathlib(tree):
    (tree / "models" / "llm").mkdir(parents=True)
    for name in ("a.yaml", "b.yaml", ".hidden.yaml", "_position.yaml"):
        (tree / "models" / "llm" / name).write_text("x: 1\n", "utf-8")
    (tree / "models" / "llm" / "sub").mkdir()
    fs = DiskFS(tree)
    assert fs.glob("models/llm/*.yaml") == sorted(p.relative_to(tree).as_posix() for p in tree.glob("models/llm/*.yaml"))
    assert fs.glob("**/*.yaml") == sorted(p.relative_to(tree).as_posix() for p in tree.glob("**/*.yaml"))
    # the SDK globs with pathlib on Python 3.12, where a pattern ending in `**` gives folders only
    assert fs.glob("models/**") == ["models", "models/llm", "models/llm/sub"]
    assert fs.glob("nothing/*.yaml") == []


def test_glob_chains_stay_bounded(tree):
    os.symlink("/", tree / "up")
    assert DiskFS(tree).glob("**/**/**/**/*.never") == []
    assert DiskFS(tree).glob("up/*") == []


def test_overlay_replaces_and_adds_files(tree):
    fs = OverlayFS(DiskFS(tree), {"tools/echo.py": b"x = 1\n", "tools/new/tool.py": b"y = 2\n"})
    assert fs.read("tools/echo.py", 100) == b"x = 1\n"
    assert fs.read("tools/new/tool.py", 100) == b"y = 2\n"
    assert fs.kind("tools/new") is Kind.DIR
    assert "new" in fs.listdir("tools")
    assert "tools/new/tool.py" in fs.walk()
    assert fs.read("manifest.yaml", 100) == b"name: x\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_zip_members_are_read_in_memory_and_traversal_is_refused():
    fs = ZipFS(_zip({"manifest.yaml": b"name: x\n", "tools/echo.py": b"pass\n", "../evil.py": b"x", "/abs.py": b"y"}))
    assert fs.read("manifest.yaml", 100) == b"name: x\n"
    assert fs.kind("tools") is Kind.DIR
    assert fs.walk() == ["manifest.yaml", "tools/echo.py"]
    assert sorted(fs.refused) == ["../evil.py", "/abs.py"]
    with pytest.raises(ReadFailure):
        fs.read("../evil.py", 100)


def test_zip_member_over_the_cap_is_not_decompressed():
    fs = ZipFS(_zip({"big.yaml": b"a" * 10_000}))
    with pytest.raises(ReadFailure) as failure:
        fs.read("big.yaml", 1000)
    assert failure.value.limit


def test_a_disk_fs_travels_to_a_worker_without_its_lookups(tree):
    import pickle

    fs = DiskFS(tree)
    fs.kind("tools/echo.py")
    copy = pickle.loads(pickle.dumps(fs))
    assert copy.root == fs.root and copy.read("manifest.yaml", 100) == b"name: x\n"
