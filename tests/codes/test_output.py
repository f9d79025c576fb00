"""Writing export files: a file replaced only by a complete, successful write."""

from __future__ import annotations

from pathlib import Path

import pytest

from livetrace.codes.output import replacing_text_file


def test_the_file_appears_only_when_the_block_succeeds(tmp_path: Path) -> None:
    target = tmp_path / "codes.csv"
    target.write_text("old\r\n", encoding="utf-8", newline="")
    with pytest.raises(RuntimeError, match="commit failed"), replacing_text_file(target) as out:
        out.write("partial\r\n")
        raise RuntimeError("commit failed")
    assert target.read_bytes() == b"old\r\n"
    with replacing_text_file(target) as out:
        out.write("seq,serial\r\n1,\u7c73\r\n")
        assert target.read_bytes() == b"old\r\n"  # not before the block ends
    assert target.read_bytes() == "seq,serial\r\n1,\u7c73\r\n".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["codes.csv"]
