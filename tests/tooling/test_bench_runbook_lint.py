"""The runbook-lint figure of ``make bench`` (``tests/bench/runbook_lint.py``): a 500-line runbook, linted in under
50 ms of CPU."""
from tests.bench import runbook_lint


def test_the_bench_runbook_has_500_lines_and_every_construct_the_lint_reads():
    text = runbook_lint.runbook()
    assert text.count("\n") == 500
    for construct in ("<#", "@{", "@connect", "@\"", "`\n", "# Write-Host", "finally {"):
        assert construct in text, construct
    assert runbook_lint._engine().lint_text(text) == []


def test_measure_reports_the_cpu_figure_under_the_limit():
    figures = runbook_lint.measure(rounds=5)
    assert list(figures) == ["lint_500_lines_cpu_ms"]
    assert 0 < figures["lint_500_lines_cpu_ms"] < 50
