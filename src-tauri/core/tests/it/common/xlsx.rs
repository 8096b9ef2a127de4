//! Hostile .xlsx files for the sheet reader's tests, built in the test in well under a second.
//!
//! A zip bomb here is a real workbook (written by rust_xlsxwriter) whose worksheet part is
//! replaced by a deflate stream that expands to gigabytes: one deflated megabyte of filler,
//! repeated. Repeating it is valid deflate because each copy ends byte-aligned (a sync flush)
//! and only refers back to filler.

use flate2::{Compress, Compression, FlushCompress, Status};
use std::io::Read;
use std::path::Path;

pub const SHEET_PART: &str = "xl/worksheets/sheet1.xml";
pub const SST_PART: &str = "xl/sharedStrings.xml";

/// One part of a zip container, already compressed.
pub struct Part {
    pub name: String,
    /// 0 = stored, 8 = deflated.
    pub method: u16,
    pub data: Vec<u8>,
    pub crc: u32,
    /// The uncompressed size the headers declare (the truth, unless a test lies).
    pub size: u64,
}

/// The parts of a small real workbook with `header` in row 1 (and a shared strings table).
pub fn workbook_parts(header: &[&str]) -> Vec<Part> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index_raw(i).unwrap();
            let method = match f.compression() {
                zip::CompressionMethod::Stored => 0,
                zip::CompressionMethod::Deflated => 8,
                other => panic!("unexpected method {other:?}"),
            };
            let (name, crc, size) = (f.name().unwrap().to_string(), f.crc32(), f.size());
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            Part {
                name,
                method,
                data,
                crc,
                size,
            }
        })
        .collect()
}

/// `xml` as a deflated part with honest headers.
pub fn deflated(name: &str, xml: &[u8]) -> Part {
    let mut c = Compress::new(Compression::default(), false);
    let mut data = Vec::new();
    deflate(&mut c, xml, FlushCompress::Finish, &mut data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(xml);
    Part {
        name: name.into(),
        method: 8,
        data,
        crc: crc.finalize(),
        size: xml.len() as u64,
    }
}

/// A worksheet part that expands to `prefix`, `megabytes` MiB of one repeated byte, `suffix`.
pub fn bomb_part(name: &str, prefix: &[u8], megabytes: u64, suffix: &[u8]) -> Part {
    let filler = vec![b'a'; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut data = Vec::new();
    deflate(&mut c, prefix, FlushCompress::Sync, &mut data);
    deflate(&mut c, &filler, FlushCompress::Sync, &mut data);
    // In steady state (the window is all filler) one megabyte compresses to the same bytes.
    let mut steady = Vec::new();
    deflate(&mut c, &filler, FlushCompress::Sync, &mut steady);
    for _ in 1..megabytes {
        data.extend_from_slice(&steady);
    }
    deflate(&mut c, suffix, FlushCompress::Finish, &mut data);

    let mut crc = crc32fast::Hasher::new();
    crc.update(prefix);
    let mut one = crc32fast::Hasher::new();
    one.update(&filler);
    for _ in 0..megabytes {
        crc.combine(&one);
    }
    crc.update(suffix);
    Part {
        name: name.into(),
        method: 8,
        data,
        crc: crc.finalize(),
        size: prefix.len() as u64 + (megabytes << 20) + suffix.len() as u64,
    }
}

fn deflate(c: &mut Compress, mut input: &[u8], flush: FlushCompress, out: &mut Vec<u8>) {
    loop {
        out.reserve(256 * 1024);
        let before = c.total_in();
        let status = c.compress_vec(input, out, flush).unwrap();
        input = &input[(c.total_in() - before) as usize..];
        let room_left = out.len() < out.capacity();
        match flush {
            FlushCompress::Finish if status == Status::StreamEnd => return,
            FlushCompress::Finish => {}
            _ if input.is_empty() && room_left => return,
            _ => {}
        }
    }
}

/// Writes `parts` as a zip file (no zip64: every size must fit 32 bits).
pub fn write_zip(path: &Path, parts: &[Part]) {
    fn u16le(v: &mut Vec<u8>, x: u16) {
        v.extend_from_slice(&x.to_le_bytes());
    }
    fn u32le(v: &mut Vec<u8>, x: u64) {
        v.extend_from_slice(&u32::try_from(x).expect("fits 32 bits").to_le_bytes());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for p in parts {
        let offset = out.len() as u64;
        let name = p.name.as_bytes();
        // Local file header.
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20);
        u16le(&mut out, 0);
        u16le(&mut out, p.method);
        u16le(&mut out, 0);
        u16le(&mut out, 0x21);
        u32le(&mut out, u64::from(p.crc));
        u32le(&mut out, p.data.len() as u64);
        u32le(&mut out, p.size);
        u16le(&mut out, name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(name);
        out.extend_from_slice(&p.data);
        // Its central directory entry.
        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20);
        u16le(&mut central, 20);
        u16le(&mut central, 0);
        u16le(&mut central, p.method);
        u16le(&mut central, 0);
        u16le(&mut central, 0x21);
        u32le(&mut central, u64::from(p.crc));
        u32le(&mut central, p.data.len() as u64);
        u32le(&mut central, p.size);
        u16le(&mut central, name.len() as u16);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend_from_slice(name);
    }
    let cd_offset = out.len() as u64;
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, parts.len() as u16);
    u16le(&mut out, parts.len() as u16);
    u32le(&mut out, central.len() as u64);
    u32le(&mut out, cd_offset);
    u16le(&mut out, 0);
    std::fs::write(path, out).unwrap();
}

/// A customer-import workbook whose worksheet part expands to `megabytes` MiB; with `declare`,
/// its headers claim that size instead of the truth.
pub fn write_bomb(path: &Path, megabytes: u64, declare: Option<u64>) {
    let mut parts = workbook_parts(&["Name", "E-mail", "ERP customer"]);
    let prefix = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>"#;
    let suffix = b"</t></is></c></row></sheetData></worksheet>";
    let mut bomb = bomb_part(SHEET_PART, prefix, megabytes, suffix);
    if let Some(size) = declare {
        bomb.size = size;
    }
    replace(&mut parts, bomb);
    write_zip(path, &parts);
}

/// Puts `part` in place of the part with its name.
pub fn replace(parts: &mut [Part], part: Part) {
    let slot = parts
        .iter_mut()
        .find(|p| p.name == part.name)
        .unwrap_or_else(|| panic!("no part {}", part.name));
    *slot = part;
}

/// A workbook with `header` whose worksheet XML is `sheet_xml` (e.g. a dimension that lies).
pub fn write_with_sheet_xml(path: &Path, header: &[&str], sheet_xml: &str) {
    let mut parts = workbook_parts(header);
    replace(&mut parts, deflated(SHEET_PART, sheet_xml.as_bytes()));
    write_zip(path, &parts);
}

/// The 8-byte PNG signature and a little more: an image renamed .xlsx.
pub const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
