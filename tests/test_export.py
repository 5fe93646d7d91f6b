"""govmon export: CSV cells are safe to open in a spreadsheet."""


def test_csv_export_neutralises_formula_cells():
    from govmon.commands.export import to_csv

    text = to_csv([{"site": "5101000001", "anchor": "=HYPERLINK(\"http://x\")", "n": 3,
                    "detail": {"a": 1}}])
    row = text.splitlines()[1]
    assert "'=HYPERLINK" in row and ',3,' in row and '{""a"": 1}' in row
