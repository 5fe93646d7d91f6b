"""govmon export: CSV cells are safe to open in a spreadsheet."""


def test_csv_export_neutralises_formula_cells():
    from govmon.commands.export import to_csv

    text = to_csv([{"site": "5101000001", "anchor": "=HYPERLINK(\"http://x\")", "n": 3,
                    "detail": {"a": 1}}])
    row = text.splitlines()[1]
    assert "'=HYPERLINK" in row and ',3,' in row and '{""a"": 1}' in row


def test_csv_export_is_utf8_with_bom_on_stdout_and_in_files(tmp_path, capsys):
    """Excel on Chinese Windows needs the BOM to read UTF-8 (else it shows mojibake)."""
    import csv
    import io

    from govmon.cli import main
    from store.db import open_store
    from store.models import Scorecard, Site

    ws = tmp_path / "ws"
    assert main(["init", str(ws)]) == 0
    sessions = open_store(f"sqlite:///{ws / 'govmon.db'}")
    from datetime import datetime

    with sessions.begin() as s:
        site = Site(code="5101000001", name="示例市人民政府", url="http://127.0.0.1:9/",
                    kind="portal", updated_at=datetime.now())
        s.add(site)
        s.flush()
        s.add(Scorecard(site_id=site.id, period="2026Q4", system="national-2019",
                        as_of=datetime(2026, 12, 1), verdict="合格", score=91.5, vetoes=[],
                        detail={}, computed_at=datetime.now()))
    capsys.readouterr()
    assert main(["-w", str(ws), "export", "scorecards", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff") and out.count("\ufeff") == 1
    assert main(["-w", str(ws), "export", "scorecards", "--format", "csv", "-o",
                 str(tmp_path / "s.csv")]) == 0
    raw = (tmp_path / "s.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["name"] == "示例市人民政府" and rows[0]["verdict"] == "合格"
