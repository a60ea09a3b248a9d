"""`dify-lint check plugin.difypkg`: a package linted in memory with the same rules, its findings
named `plugin.difypkg!/path/inside`, hostile archives refused with a diagnostic, nothing unpacked.
Every package here is a real zip written by the test."""

from __future__ import annotations

import json
import shutil
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from dify_lint.examples import BASE_PLUGINS
from dify_lint.source.fs import MAX_EXPANDED_BYTES, Refusal, ZipFS

FLAWED = Path(__file__).resolve().parent.parent / "examples" / "flawed-plugin"


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _package(
    path: Path, files: dict[str, bytes | str | None], *, links: dict[str, str] | None = None, base: Path | None = None
) -> Path:
    """A zip of the tool base plugin (or `base`) with `files` replaced (None removes one), plus
    `links` stored as symbolic links (name -> target)."""
    members: dict[str, bytes | str | None] = {**_files(base or BASE_PLUGINS / "tool"), **files}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if data is not None:
                archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def _declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite the sizes `member`'s headers declare (both the local and the central one), as a
    forged archive would: what the zip says it expands to is all a reader knows up front."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(signature, at)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                struct.pack_into("<I", data, at + offset, size)
            at += 4
    path.write_bytes(bytes(data))


def _lint(run_cli, *args: str, cwd: Path) -> tuple[list[dict], object]:
    result = run_cli("check", *args, "--output-format", "json", "--isolated", cwd=cwd)
    return json.loads(result.stdout or "[]"), result


@pytest.fixture(autouse=True)
def _nothing_is_unpacked(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a package member was written to disk")

    monkeypatch.setattr(zipfile.ZipFile, "extract", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "extractall", refuse)


def test_a_package_gets_the_findings_of_its_folder(tmp_path, run_cli):
    folder = tmp_path / "flawed"
    shutil.copytree(FLAWED, folder)
    _package(tmp_path / "flawed.difypkg", {}, base=FLAWED)
    from_folder, _ = _lint(run_cli, "flawed", cwd=tmp_path)
    from_package, result = _lint(run_cli, "flawed.difypkg", cwd=tmp_path)
    assert from_folder and result.exit_code == 1
    assert [(f["code"], f["message"], f["location"]) for f in from_package] == [
        (f["code"], f["message"], f["location"]) for f in from_folder
    ]
    assert [f["filename"] for f in from_package] == [f["filename"].replace("flawed/", "flawed.difypkg!/", 1) for f in from_folder]
    related = [r["filename"] for f in from_package for r in f["related"]]
    assert related and all(name.startswith("flawed.difypkg!/") for name in related)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flawed", "flawed.difypkg"]  # nothing unpacked beside it


def test_findings_inside_a_package_have_code_frames(tmp_path, run_cli):
    text = (BASE_PLUGINS / "tool" / "tools" / "echo.yaml").read_text("utf-8").replace("form: llm", "form: llmm")
    (tmp_path / "dist").mkdir()
    _package(tmp_path / "dist" / "echo.difypkg", {"tools/echo.yaml": text})
    result = run_cli("check", "dist/echo.difypkg", "--isolated", cwd=tmp_path)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("dist/echo.difypkg!/tools/echo.yaml:14:11: DPL201 `form` must be one of")
    assert lines[1:3] == ["14 |     form: llmm", "   |           ^^^^"]
    absolute = run_cli(
        "check", str(tmp_path / "dist" / "echo.difypkg"), "--isolated", "--output-format", "concise", cwd=tmp_path / "dist"
    )
    assert absolute.stdout.startswith("echo.difypkg!/tools/echo.yaml:14:11: DPL201")


def test_a_clean_package_passes(tmp_path, run_cli):
    findings, result = _lint(run_cli, "echo.difypkg", cwd=_package(tmp_path / "echo.difypkg", {}).parent)
    assert findings == [] and result.exit_code == 0


def test_members_named_out_of_the_package_are_refused(tmp_path, run_cli):
    _package(tmp_path / "echo.difypkg", {"../evil.py": "import os\n", "/etc/cron.d/job": "x\n", "tools/../../up.yaml": "a: 1\n"})
    fs = ZipFS((tmp_path / "echo.difypkg").read_bytes())
    assert fs.refused == {
        "../evil.py": Refusal.CLIMBS_OUT,
        "/etc/cron.d/job": Refusal.ABSOLUTE,
        "tools/../../up.yaml": Refusal.CLIMBS_OUT,
    }
    assert "evil.py" not in fs.walk() and "up.yaml" not in fs.walk()
    findings, result = _lint(run_cli, "echo.difypkg", cwd=tmp_path)
    assert result.exit_code == 1
    by_file = {f["filename"]: f for f in findings}
    assert set(by_file) == {"echo.difypkg!/../evil.py", "echo.difypkg!//etc/cron.d/job", "echo.difypkg!/tools/../../up.yaml"}
    assert {f["code"] for f in findings} == {"DPL003"} and {f["severity"] for f in findings} == {"error"}
    assert "`../evil.py` climbs out of the package with `..`; it was not read" in by_file["echo.difypkg!/../evil.py"]["message"]
    assert "has an absolute name; it was not read" in by_file["echo.difypkg!//etc/cron.d/job"]["message"]


def test_a_link_in_a_package_is_never_followed(tmp_path, run_cli):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not print me\n", "utf-8")
    _package(
        tmp_path / "echo.difypkg", {"tools/echo.py": None}, links={"tools/echo.py": str(secret), "data/prompt.txt": str(secret)}
    )
    findings, _ = _lint(run_cli, "echo.difypkg", "--select", "DPL003", cwd=tmp_path)
    assert not any("do not print me" in json.dumps(f) for f in findings)
    by_file = {f["filename"]: f for f in findings}
    # the tool's module is a file Dify loads: an error; a link nothing loads reads is a warning
    read = by_file["echo.difypkg!/tools/echo.py"]
    assert read["code"] == "DPL003" and read["severity"] == "error"
    assert "is a symbolic link stored in the package; it was not followed" in read["message"]
    unread = by_file["echo.difypkg!/data/prompt.txt"]
    assert unread["code"] == "DPL003" and unread["severity"] == "warning"
    assert unread["message"].startswith("the package member `data/prompt.txt` is a symbolic link stored in the package")


def test_an_oversized_member_is_not_decompressed(tmp_path, run_cli):
    huge = "a: " + "x" * (3 * 1024 * 1024) + "\n"  # over the 2 MiB YAML cap; compresses to a few kB
    _package(tmp_path / "echo.difypkg", {"tools/echo.yaml": huge})
    assert (tmp_path / "echo.difypkg").stat().st_size < 100_000
    findings, _ = _lint(run_cli, "echo.difypkg", "--select", "DPL006", cwd=tmp_path)
    assert [(f["filename"], f["code"]) for f in findings] == [("echo.difypkg!/tools/echo.yaml", "DPL006")]
    assert "files over 2 MiB are not parsed" in findings[0]["message"]


def test_a_member_that_expands_beyond_what_it_declares_is_cut_off(tmp_path, run_cli):
    _package(tmp_path / "echo.difypkg", {"tools/echo.yaml": "a: " + "x" * (8 * 1024 * 1024)})
    _declare_size(tmp_path / "echo.difypkg", "tools/echo.yaml", 100)
    findings, _ = _lint(run_cli, "echo.difypkg", "--select", "DPL003,DPL006", cwd=tmp_path)
    assert [(f["filename"], f["code"]) for f in findings] == [("echo.difypkg!/tools/echo.yaml", "DPL003")]
    assert "cannot read file from the package" in findings[0]["message"]


def test_a_zip_bomb_is_refused_whole(tmp_path, run_cli):
    _package(tmp_path / "bomb.difypkg", {"data/blob.bin": b"\0" * 4096})
    _declare_size(tmp_path / "bomb.difypkg", "data/blob.bin", MAX_EXPANDED_BYTES + 1)
    findings, result = _lint(run_cli, "bomb.difypkg", cwd=tmp_path)
    assert result.exit_code == 1
    assert [(f["filename"], f["code"], f["location"]) for f in findings] == [("bomb.difypkg", "DPL006", {"row": 1, "column": 1})]
    assert "(a zip bomb?); it was not read" in findings[0]["message"]


def test_what_is_not_a_zip_is_reported_not_raised(tmp_path, run_cli):
    (tmp_path / "junk.difypkg").write_bytes(b"PK\x03\x04 not really a zip")
    findings, result = _lint(run_cli, "junk.difypkg", cwd=tmp_path)
    assert result.exit_code == 1
    assert [(f["filename"], f["code"]) for f in findings] == [("junk.difypkg", "DPL003")]
    assert "not a zip archive Dify can open" in findings[0]["message"]


def test_packaging_rules_judge_a_package_as_packaged(tmp_path, run_cli):
    inner = {f"inner/{name}": data for name, data in _files(BASE_PLUGINS / "tool").items()}
    _package(
        tmp_path / "echo.difypkg",
        {
            ".difyignore": "tools/\n.venv/\n",  # applied when packaging already; installing reads none
            ".venv/pyvenv.cfg": "home = /usr/bin\n",
            **inner,
        },
        links={".venv/lib64": "lib"},
    )
    findings, _ = _lint(run_cli, "echo.difypkg", "--select", "DPL3", cwd=tmp_path)
    assert {f["code"] for f in findings} == {"DPL311", "DPL314"}
    venv = next(f for f in findings if f["code"] == "DPL311")
    assert venv["severity"] == "info" and venv["message"].startswith("the package holds the virtual environment `.venv/`")
    nested = next(f for f in findings if f["code"] == "DPL314")
    assert "the package holds it as plain files that nothing loads" in nested["message"]


def test_a_package_over_50_mb_unpacked_is_refused_at_upload(tmp_path, run_cli):
    _package(tmp_path / "echo.difypkg", {"data/model.bin": b"\0" * 1024})
    _declare_size(tmp_path / "echo.difypkg", "data/model.bin", 60 * 1024 * 1024)
    findings, _ = _lint(run_cli, "echo.difypkg", "--select", "DPL311", cwd=tmp_path)
    assert [(f["code"], f["severity"]) for f in findings] == [("DPL311", "error")]
    assert "the package's files add up to 60.0 MB unpacked, over the 50 MB the daemon accepts" in findings[0]["message"]


def test_many_packages_are_linted_in_worker_processes(tmp_path, run_cli):
    text = (BASE_PLUGINS / "tool" / "tools" / "echo.yaml").read_text("utf-8").replace("form: llm", "form: llmm")
    names = [f"p{i}.difypkg" for i in range(8)]  # enough to start worker processes
    for name in names:
        _package(tmp_path / name, {"tools/echo.yaml": text})
    findings, result = _lint(run_cli, *names, "--jobs", "2", "--select", "DPL201", cwd=tmp_path)
    assert result.exit_code == 1
    assert [f["filename"] for f in findings] == [f"{name}!/tools/echo.yaml" for name in names]


def test_a_folder_named_like_a_package_is_a_folder(tmp_path, run_cli):
    shutil.copytree(BASE_PLUGINS / "tool", tmp_path / "echo.difypkg")
    findings, result = _lint(run_cli, "echo.difypkg", cwd=tmp_path)
    assert findings == [] and result.exit_code == 0 and "1 plugin" in result.stderr


def test_a_package_of_the_folder_instead_of_its_contents(tmp_path, run_cli):
    with zipfile.ZipFile(tmp_path / "echo.difypkg", "w") as archive:
        for name, data in _files(BASE_PLUGINS / "tool").items():
            archive.writestr(f"echo/{name}", data)
    findings, _ = _lint(run_cli, "echo.difypkg", cwd=tmp_path)
    assert [(f["filename"], f["code"]) for f in findings] == [("echo.difypkg!/manifest.yaml", "DPL003")]
    assert "the package holds `echo/manifest.yaml`: it was made from the plugin's folder" in findings[0]["message"]


def test_a_refused_package_travels_to_a_worker_as_refused(tmp_path):
    import pickle

    from dify_lint.source.fs import read_package

    _package(tmp_path / "bomb.difypkg", {"data/blob.bin": b"\0" * 4096})
    _declare_size(tmp_path / "bomb.difypkg", "data/blob.bin", MAX_EXPANDED_BYTES + 1)
    (tmp_path / "folder.difypkg").mkdir()  # not a regular file
    for name in ("bomb.difypkg", "folder.difypkg"):
        fs = read_package(tmp_path / name, name)
        copy = pickle.loads(pickle.dumps(fs))
        assert (copy.failure.message, copy.failure.limit) == (fs.failure.message, fs.failure.limit)
    assert read_package(tmp_path / "bomb.difypkg", "b").failure.limit


def test_a_package_declaring_too_many_members_is_refused_before_its_directory_is_read(tmp_path, monkeypatch):
    from dify_lint.source import fs as fs_module

    _package(tmp_path / "many.difypkg", {f"data/{i}.txt": "" for i in range(30)})
    data = (tmp_path / "many.difypkg").read_bytes()
    assert fs_module._declared_members(data) == len(zipfile.ZipFile(tmp_path / "many.difypkg").infolist())
    monkeypatch.setattr(fs_module, "MAX_MEMBERS", 20)

    def parse(*args, **kwargs):
        raise AssertionError("the central directory was parsed")

    monkeypatch.setattr(zipfile, "ZipFile", parse)
    refused = ZipFS(data, "many.difypkg")
    assert refused.failure is not None and refused.failure.limit and "declares" in refused.failure.message
