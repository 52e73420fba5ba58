"""`ceasefire report` on a sweep folder writes the sweep's own report."""

from __future__ import annotations

from sim.cli import main


def test_report_of_a_sweep_has_the_sweep_section(tmp_path, capsys):
    out = tmp_path / "sweep"
    assert (
        main(
            [
                "sweep",
                "--grid",
                "escalation.collapse_threshold=2:3:2",
                "--mediator",
                "russia",
                "--runs",
                "200",
                "--seed",
                "1",
                "--out",
                str(out),
                "--workers",
                "1",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out / "report.html")
    html = (out / "report.html").read_text()
    for section in ("question", "scenario", "sweep", "reproduce"):
        assert f'id="{section}"' in html
    assert "data:image/png;base64," in html
    assert not list(out.glob(".*.tmp"))  # written atomically, nothing left over
