"""Line coverage of plugins/ from ansible-test's raw coverage data, with a fail-under gate."""

from __future__ import annotations

import coverage
import pytest


@pytest.fixture
def collection(tmp_path):
    """A collection root with two plugin files, one of them half run by a 'unit test', one never imported."""
    root = tmp_path / "ansible_collections" / "ns" / "col"
    (root / "plugins" / "module_utils").mkdir(parents=True)
    (root / "plugins" / "modules").mkdir()
    (root / "plugins" / "module_utils" / "__init__.py").write_text("")
    used = root / "plugins" / "module_utils" / "used.py"
    used.write_text("def a():\n    return 1\n\n\ndef b():\n    x = 2\n    return x\n")
    (root / "plugins" / "modules" / "unused.py").write_text("X = 1\nY = 2\n")
    (root / "plugins" / "doc_fragments").mkdir()
    (root / "plugins" / "doc_fragments" / "auth.py").write_text("class ModuleDocFragment:\n    DOCUMENTATION = ''\n")
    out = root / "tests" / "output" / "coverage"
    out.mkdir(parents=True)
    # ansible-test names its raw files <command>=<target>=<environment>=coverage.<host>.<pid>...
    data = coverage.CoverageData(str(out / "units=module_utils=origin=python-3.11=coverage.host.1.abc"))
    # lines 1, 2 and 5 ran: def a, its body, def b
    data.add_lines({str(used): [1, 2, 5]})
    data.write()
    return root


def test_reports_every_plugin_file_including_unimported_ones(coverage_gate, collection, capsys):
    assert coverage_gate.main(["--root", str(collection), "--fail-under", "0"]) == 0
    out = capsys.readouterr().out
    assert "plugins/module_utils/used.py" in out
    assert "plugins/modules/unused.py" in out  # never imported: counted as 0 %
    result = coverage_gate.measure(str(collection), coverage_gate.data_files(str(collection)))
    assert result["plugins/module_utils/used.py"] == ([1, 2, 5, 6, 7], [6, 7])
    assert result["plugins/modules/unused.py"] == ([1, 2], [1, 2])
    assert not any(path.startswith("plugins/doc_fragments/") for path in result)
    assert coverage_gate.summarise(result) == (7, 4, pytest.approx(100.0 * 3 / 7))


def test_fails_under_the_threshold(coverage_gate, collection, capsys):
    assert coverage_gate.main(["--root", str(collection), "--fail-under", "43"]) == 1
    assert "below the required 43%" in capsys.readouterr().err
    assert coverage_gate.main(["--root", str(collection), "--fail-under", "42"]) == 0


def test_no_data_is_an_error_not_a_pass(coverage_gate, tmp_path, capsys):
    (tmp_path / "plugins").mkdir()
    assert coverage_gate.main(["--root", str(tmp_path), "--fail-under", "0"]) == 2
    assert "no data" in capsys.readouterr().err


def test_missing_lines_are_shown_as_ranges(coverage_gate):
    assert coverage_gate.ranges([1, 2, 3, 5, 7, 8]) == "1-3, 5, 7-8"
