//! The shared workbook cells, read back by openpyxl: text that looks like a formula stays text, dates are dates,
//! text over Excel's limit is cut with a marker, and the header row carries a table.

use chrono::{NaiveDate, TimeZone, Utc};
use rust_xlsxwriter::Workbook;
use scoregrc::export::xlsx::{Cells, Column, Styles, data_sheet};

use crate::python;

#[test]
fn cells_read_back_by_openpyxl_keep_their_types() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cells.xlsx");
    let styles = Styles::default();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory().unwrap();
    sheet.set_name("Cells").unwrap();
    let columns = [Column::new("Text", 20.0), Column::wrapped("Long", 40.0), Column::new("Date", 12.0)];
    data_sheet(sheet, &styles, &columns, 2, "Cells").unwrap();
    let mut cells = Cells { sheet, styles: &styles };
    cells.text(1, 0, "=HYPERLINK(\"http://x\",\"y\")").unwrap();
    cells.wrapped(1, 1, &"x".repeat(40_000)).unwrap();
    cells.date(1, 2, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()).unwrap();
    cells.text(2, 0, "@SUM(A1)").unwrap();
    cells.date_time(2, 2, Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).unwrap()).unwrap();
    workbook.save(&path).unwrap();

    let printed = python::run(
        r#"
import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1])["Cells"]
print(ws["A1"].value, ws["A1"].font.b, ws.freeze_panes, list(ws.tables))
print(ws["A2"].data_type, ws["A2"].value, ws["A2"].quotePrefix)
print(len(ws["B2"].value), ws["B2"].value.endswith("characters in full]"))
print(ws["C2"].is_date, ws["C2"].value.isoformat(), ws["C2"].number_format)
print(ws["A3"].data_type, ws["A3"].value, ws["C3"].value.isoformat())
"#,
        &[path.to_str().unwrap()],
    );
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[0], "Text True A2 ['Cells']");
    assert_eq!(lines[1], "s =HYPERLINK(\"http://x\",\"y\") True");
    assert_eq!(lines[2], "32767 True");
    assert_eq!(lines[3], "True 2026-11-23T00:00:00 yyyy-mm-dd");
    assert_eq!(lines[4], "s @SUM(A1) 2026-11-23T09:30:00");
}
