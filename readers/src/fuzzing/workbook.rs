//! A structure-aware input for the xlsx targets: the XML parts of a workbook, which the target packs into a
//! valid xlsx before reading it.
//!
//! Mutating a real xlsx mostly breaks its deflate streams or CRC checksums, so the fuzzer rarely gets past the
//! ZIP layer into the XML calamine parses (cell references, shared string counts, formulas). An input that is
//! not a ZIP is therefore also read as the parts below, separated by NUL bytes (XML holds none), and packed
//! with fresh checksums: every byte the fuzzer changes reaches calamine's XML reader.

use std::io::{Cursor, Write};

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// The parts an input carries, in this order; missing ones are left out of the workbook.
pub const PARTS: [&str; 4] = ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"];

/// The parts every packed workbook has: how the package finds the workbook and the workbook its other parts.
const FIXED: [(&str, &str); 3] = [
    (
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#,
    ),
    (
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    ),
    (
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#,
    ),
];

/// The workbook the parts in `data` make, stored uncompressed; `None` when `data` is a ZIP already (it is read
/// as it is) or packing fails.
pub fn pack(data: &[u8]) -> Option<Vec<u8>> {
    if data.starts_with(b"PK") {
        return None;
    }
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let parts = PARTS.iter().zip(data.split(|&byte| byte == 0)).map(|(name, content)| (*name, content));
    for (name, content) in FIXED.iter().map(|(name, content)| (*name, content.as_bytes())).chain(parts) {
        writer.start_file(name, options).ok()?;
        writer.write_all(content).ok()?;
    }
    Some(writer.finish().ok()?.into_inner())
}

/// The parts of a workbook, as [`pack`] takes them: the inverse, for turning real workbooks into seeds.
pub fn parts(workbook: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(workbook)).ok()?;
    let mut out = Vec::new();
    for (at, name) in PARTS.iter().enumerate() {
        if at > 0 {
            out.push(0);
        }
        let mut part = archive.by_name(name).ok()?;
        std::io::copy(&mut part, &mut out).ok()?;
    }
    Some(out)
}
