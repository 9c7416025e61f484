//! A small A4 layout engine over printpdf: headings, wrapped paragraphs, tables that break
//! across pages with their header repeated, charts as images, a running header and a footer
//! with page numbers. Fonts are embedded (DejaVu Sans, every European Latin letter).
//!
//! Output is byte-identical for identical input: resource names are fixed (printpdf's own
//! are drawn from a process-wide counter), dates come from the caller, and the trailer's
//! `/ID` is derived from the content.

use crate::error::{Error, Result};
use ab_glyph::{Font as _, FontRef};
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, RawImage, RawImageData, RawImageFormat, Rect, Rgb, TextItem,
    XObject, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};

const REGULAR: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../templates/fonts/DejaVuSans-Bold.ttf");

pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 50.0;
const TOP: f32 = PAGE_H - 62.0;
const BOTTOM: f32 = 58.0;
pub const WIDTH: f32 = PAGE_W - 2.0 * MARGIN_X;

const EU_BLUE: (f32, f32, f32) = (0.0, 0.2, 0.6);
const INK: (f32, f32, f32) = (0.1, 0.1, 0.15);
const MUTED: (f32, f32, f32) = (0.42, 0.45, 0.52);
const RULE: (f32, f32, f32) = (0.82, 0.85, 0.9);
const HEAD_BG: (f32, f32, f32) = (0.92, 0.94, 0.98);
const MARK: (f32, f32, f32) = (0.75, 0.12, 0.18);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table column: its header, its share of the width and its alignment.
#[derive(Clone, Debug)]
pub struct Column {
    pub header: String,
    pub width: f32,
    pub align: Align,
}

impl Column {
    pub fn left(header: impl Into<String>, width: f32) -> Column {
        Column {
            header: header.into(),
            width,
            align: Align::Left,
        }
    }

    pub fn right(header: impl Into<String>, width: f32) -> Column {
        Column {
            header: header.into(),
            width,
            align: Align::Right,
        }
    }
}

/// What the running header and the footer say.
#[derive(Clone, Debug)]
pub struct Frame {
    pub title: String,
    /// Left of the footer (e.g. "Gigafund 0.1.0 · input SHA-256 …").
    pub footer: String,
    /// "Page {n} of {total}" in the document's language.
    pub page_label: String,
}

fn rgb((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

#[derive(Debug)]
struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

impl Fonts {
    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let f = if bold { &self.bold } else { &self.regular };
        let upm = f.units_per_em().unwrap_or(2048.0);
        text.chars()
            .map(|c| f.h_advance_unscaled(f.glyph_id(c)))
            .sum::<f32>()
            * size
            / upm
    }
}

/// A document being laid out, top to bottom.
#[derive(Debug)]
pub struct Doc {
    fonts: Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
    images: Vec<RawImage>,
    /// Characters drawn in each font (regular, bold): the embedded fonts are subset to them.
    used: [std::collections::BTreeSet<char>; 2],
}

fn font_id(bold: bool) -> FontId {
    FontId(if bold { "FBOLD" } else { "FREGULAR" }.into())
}

impl Doc {
    pub fn new() -> Result<Doc> {
        let fonts = Fonts {
            regular: FontRef::try_from_slice(REGULAR)
                .map_err(|e| Error::Internal(format!("report font: {e}")))?,
            bold: FontRef::try_from_slice(BOLD)
                .map_err(|e| Error::Internal(format!("report font: {e}")))?,
        };
        Ok(Doc {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
            images: Vec::new(),
            used: Default::default(),
        })
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits on this one.
    pub fn need(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    pub fn space(&mut self, pt: f32) {
        self.y -= pt;
    }

    fn text_at(
        &mut self,
        x: f32,
        y: f32,
        text: &str,
        size: f32,
        bold: bool,
        colour: (f32, f32, f32),
    ) {
        self.used[usize::from(bold)].extend(text.chars());
        let ops = self.ops();
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFillColor { col: rgb(colour) });
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(font_id(bold)),
            size: Pt(size),
        });
        ops.push(Op::SetTextCursor {
            pos: Point { x: Pt(x), y: Pt(y) },
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(text.to_string())],
        });
        ops.push(Op::EndTextSection);
    }

    fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, colour: (f32, f32, f32), width: f32) {
        let ops = self.ops();
        ops.push(Op::SetOutlineColor { col: rgb(colour) });
        ops.push(Op::SetOutlineThickness { pt: Pt(width) });
        ops.push(Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: Point {
                            x: Pt(x0),
                            y: Pt(y0),
                        },
                        bezier: false,
                    },
                    LinePoint {
                        p: Point {
                            x: Pt(x1),
                            y: Pt(y1),
                        },
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
    }

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, colour: (f32, f32, f32)) {
        let ops = self.ops();
        ops.push(Op::SetFillColor { col: rgb(colour) });
        ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x),
                y: Pt(y),
                width: Pt(w),
                height: Pt(h),
                mode: Some(printpdf::PaintMode::Fill),
                winding_order: None,
            },
        });
    }

    /// Splits `text` into lines no wider than `width` (words longer than a line are cut).
    pub fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if self.fonts.width(&candidate, size, bold) <= width || line.is_empty() {
                    line = candidate;
                } else {
                    lines.push(std::mem::take(&mut line));
                    line = word.to_string();
                }
                while self.fonts.width(&line, size, bold) > width && line.chars().count() > 1 {
                    // A single word wider than the line: cut it.
                    let mut cut = line.clone();
                    while self.fonts.width(&cut, size, bold) > width && cut.chars().count() > 1 {
                        cut.pop();
                    }
                    let rest: String = line.chars().skip(cut.chars().count()).collect();
                    lines.push(cut);
                    line = rest;
                }
            }
            lines.push(line);
        }
        lines
    }

    pub fn title(&mut self, text: &str, subtitle: &str) {
        self.text_at(MARGIN_X, self.y - 20.0, text, 20.0, true, EU_BLUE);
        self.y -= 30.0;
        for l in self.wrap(subtitle, 10.5, false, WIDTH) {
            self.text_at(MARGIN_X, self.y - 11.0, &l, 10.5, false, MUTED);
            self.y -= 14.0;
        }
        self.y -= 8.0;
    }

    /// A section heading, kept with at least a table header and two rows.
    pub fn heading(&mut self, text: &str) {
        self.need(95.0);
        self.y -= 10.0;
        self.text_at(MARGIN_X, self.y - 13.0, text, 13.0, true, EU_BLUE);
        self.y -= 18.0;
        let y = self.y;
        self.line(MARGIN_X, y, MARGIN_X + WIDTH, y, RULE, 0.8);
        self.y -= 8.0;
    }

    /// A bold line kept with the three lines that follow it.
    pub fn subheading(&mut self, text: &str) {
        let size = 9.5;
        let lines = self.wrap(text, size, true, WIDTH);
        self.need(lines.len() as f32 * 13.0 + 45.0);
        self.y -= 4.0;
        for l in lines {
            self.text_at(MARGIN_X, self.y - size, &l, size, true, INK);
            self.y -= 13.0;
        }
        self.y -= 1.0;
    }

    pub fn paragraph(&mut self, text: &str) {
        let size = 9.5;
        for l in self.wrap(text, size, false, WIDTH) {
            self.need(13.0);
            self.text_at(MARGIN_X, self.y - size, &l, size, false, INK);
            self.y -= 13.0;
        }
        self.y -= 4.0;
    }

    /// A note in small grey type.
    pub fn note(&mut self, text: &str) {
        let size = 8.0;
        for l in self.wrap(text, size, false, WIDTH) {
            self.need(11.0);
            self.text_at(MARGIN_X, self.y - size, &l, size, false, MUTED);
            self.y -= 11.0;
        }
        self.y -= 3.0;
    }

    fn row(&mut self, columns: &[Column], cells: &[String], bold: bool, size: f32) -> f32 {
        let total: f32 = columns.iter().map(|c| c.width).sum();
        let pad = 4.0;
        let wrapped: Vec<Vec<String>> = columns
            .iter()
            .zip(cells)
            .map(|(c, t)| self.wrap(t, size, bold, c.width / total * WIDTH - 2.0 * pad))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let height = lines as f32 * (size + 3.0) + 5.0;
        let mut x = MARGIN_X;
        let top = self.y;
        for (c, lines) in columns.iter().zip(&wrapped) {
            let w = c.width / total * WIDTH;
            for (i, l) in lines.iter().enumerate() {
                let tx = match c.align {
                    Align::Left => x + pad,
                    Align::Right => x + w - pad - self.fonts.width(l, size, bold),
                };
                self.text_at(
                    tx,
                    top - 3.0 - size - i as f32 * (size + 3.0),
                    l,
                    size,
                    bold,
                    INK,
                );
            }
            x += w;
        }
        self.y -= height;
        height
    }

    fn header_row(&mut self, columns: &[Column], size: f32) {
        let headers: Vec<String> = columns.iter().map(|c| c.header.clone()).collect();
        let total: f32 = columns.iter().map(|c| c.width).sum();
        let lines = columns
            .iter()
            .map(|c| {
                self.wrap(&c.header, size, true, c.width / total * WIDTH - 8.0)
                    .len()
            })
            .max()
            .unwrap_or(1);
        let h = lines as f32 * (size + 3.0) + 5.0;
        let y = self.y;
        self.fill_rect(MARGIN_X, y - h, WIDTH, h, HEAD_BG);
        self.row(columns, &headers, true, size);
    }

    /// A table that breaks across pages, its header repeated on each.
    pub fn table(&mut self, columns: &[Column], rows: &[Vec<String>]) {
        self.table_marked(columns, rows, &[]);
    }

    /// A table with heavy rules drawn after some rows, each with a caption (e.g. the
    /// budget line after the last funded bid): `marks` holds (row index, caption).
    pub fn table_marked(
        &mut self,
        columns: &[Column],
        rows: &[Vec<String>],
        marks: &[(usize, String)],
    ) {
        let size = 8.5;
        self.need(3.0 * (size + 8.0));
        self.header_row(columns, size);
        for (index, r) in rows.iter().enumerate() {
            let total: f32 = columns.iter().map(|c| c.width).sum();
            let lines = columns
                .iter()
                .zip(r)
                .map(|(c, t)| {
                    self.wrap(t, size, false, c.width / total * WIDTH - 8.0)
                        .len()
                })
                .max()
                .unwrap_or(1);
            let h = lines as f32 * (size + 3.0) + 5.0;
            if self.y - h < BOTTOM {
                self.new_page();
                self.header_row(columns, size);
            }
            self.row(columns, r, false, size);
            let y = self.y;
            self.line(MARGIN_X, y, MARGIN_X + WIDTH, y, RULE, 0.4);
            for (_, caption) in marks.iter().filter(|(at, _)| *at == index) {
                self.line(MARGIN_X, y, MARGIN_X + WIDTH, y, MARK, 1.6);
                let w = self.fonts.width(caption, 7.5, true);
                self.text_at(
                    MARGIN_X + WIDTH - w - 2.0,
                    y - 9.5,
                    caption,
                    7.5,
                    true,
                    MARK,
                );
                self.y -= 13.0;
            }
        }
        self.y -= 10.0;
    }

    /// A chart drawn by plotters into a bitmap `w` × `h` pixels, the full text width,
    /// kept on the page with its heading when it has one.
    pub fn chart(
        &mut self,
        heading: Option<&str>,
        w: u32,
        h: u32,
        draw: impl FnOnce(
            &plotters::drawing::DrawingArea<
                plotters::prelude::BitMapBackend<'_>,
                plotters::coord::Shift,
            >,
        ) -> Result<()>,
    ) -> Result<()> {
        if let Some(text) = heading {
            self.need(WIDTH * h as f32 / w as f32 + 50.0);
            self.heading(text);
        }
        let pixels = super::finance_charts::rgb(w, h, draw)?;
        self.image(pixels, w as usize, h as usize, WIDTH);
        Ok(())
    }

    /// An RGB image (a chart drawn by plotters), `width_pt` wide, keeping its aspect.
    pub fn image(&mut self, rgb: Vec<u8>, w: usize, h: usize, width_pt: f32) {
        let height_pt = width_pt * h as f32 / w as f32;
        self.need(height_pt + 8.0);
        let id = XObjectId(format!("IM{}", self.images.len() + 1));
        self.images.push(RawImage {
            pixels: RawImageData::U8(rgb),
            width: w,
            height: h,
            data_format: RawImageFormat::RGB8,
            tag: Vec::new(),
        });
        let y = self.y - height_pt;
        let x = MARGIN_X + (WIDTH - width_pt) / 2.0;
        // At `dpi`, one pixel is 72/dpi pt: choose the dpi that makes the image width_pt wide.
        let dpi = 72.0 * w as f32 / width_pt;
        self.ops().push(Op::UseXobject {
            id,
            transform: XObjectTransform {
                translate_x: Some(Pt(x)),
                translate_y: Some(Pt(y)),
                dpi: Some(dpi),
                ..XObjectTransform::default()
            },
        });
        self.y -= height_pt + 8.0;
    }

    /// Lays out the running header and footer, then writes the PDF bytes.
    pub fn finish(mut self, frame: &Frame, title: &str, keywords: Vec<String>) -> Result<Vec<u8>> {
        let total = self.pages.len();
        let mut pages = std::mem::take(&mut self.pages);
        for (i, ops) in pages.iter_mut().enumerate() {
            self.pages = vec![std::mem::take(ops)];
            self.text_at(MARGIN_X, PAGE_H - 36.0, &frame.title, 8.0, false, MUTED);
            self.line(
                MARGIN_X,
                PAGE_H - 42.0,
                MARGIN_X + WIDTH,
                PAGE_H - 42.0,
                RULE,
                0.6,
            );
            self.line(MARGIN_X, 42.0, MARGIN_X + WIDTH, 42.0, RULE, 0.6);
            let footer_lines = self.wrap(&frame.footer, 7.0, false, WIDTH - 90.0);
            for (j, l) in footer_lines.iter().enumerate() {
                self.text_at(MARGIN_X, 31.0 - j as f32 * 9.0, l, 7.0, false, MUTED);
            }
            let label = frame
                .page_label
                .replace("{n}", &(i + 1).to_string())
                .replace("{total}", &total.to_string());
            let w = self.fonts.width(&label, 7.5, false);
            self.text_at(MARGIN_X + WIDTH - w, 31.0, &label, 7.5, false, MUTED);
            *ops = self.pages.pop().unwrap_or_default();
        }
        let mut doc = PdfDocument::new(title);
        doc.metadata.info.producer = format!("Gigafund {}", env!("CARGO_PKG_VERSION"));
        doc.metadata.info.creator = "Gigafund".into();
        doc.metadata.info.keywords = keywords;
        let mut font_warnings = Vec::new();
        for (bold, bytes) in [(false, REGULAR), (true, BOLD)] {
            let font = if bold {
                &self.fonts.bold
            } else {
                &self.fonts.regular
            };
            let bytes = subset(bytes, font, &self.used[usize::from(bold)])?;
            let parsed = ParsedFont::from_bytes(&bytes, 0, &mut font_warnings)
                .ok_or_else(|| Error::Internal("the report font could not be parsed".into()))?;
            doc.resources
                .fonts
                .map
                .insert(font_id(bold), printpdf::PdfFont::new(parsed));
        }
        for (i, image) in self.images.into_iter().enumerate() {
            doc.resources
                .xobjects
                .map
                .insert(XObjectId(format!("IM{}", i + 1)), XObject::Image(image));
        }
        let pages = pages
            .into_iter()
            .map(|ops| PdfPage::new(Mm::from(Pt(PAGE_W)), Mm::from(Pt(PAGE_H)), ops))
            .collect();
        doc.with_pages(pages);
        let bytes = doc.save(&PdfSaveOptions::default(), &mut Vec::new());
        Ok(deterministic_id(bytes))
    }
}

/// The font reduced to the glyphs of `chars` (with .notdef first and the components of
/// composite glyphs), keeping a Unicode cmap so that printpdf finds each character.
fn subset(
    bytes: &[u8],
    font: &FontRef<'_>,
    chars: &std::collections::BTreeSet<char>,
) -> Result<Vec<u8>> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile};
    let mut ids: Vec<u16> = chars
        .iter()
        .map(|c| font.glyph_id(*c).0)
        .filter(|g| *g != 0)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.insert(0, 0);
    let fail = |e: String| Error::Internal(format!("report font subset: {e}"));
    let data = ReadScope::new(bytes)
        .read::<FontData<'_>>()
        .map_err(|e| fail(e.to_string()))?;
    let provider = data.table_provider(0).map_err(|e| fail(e.to_string()))?;
    allsorts::subset::subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
        .map_err(|e| fail(e.to_string()))
}

/// Replaces the trailer's `/ID` (printpdf draws it from a process-wide counter) with one
/// derived from the rest of the file, keeping every byte offset.
fn deterministic_id(mut bytes: Vec<u8>) -> Vec<u8> {
    let Some(at) = find_last(&bytes, b"/ID") else {
        return bytes;
    };
    let digest = hex::encode(Sha256::digest(&bytes[..at]));
    let mut fill = digest.bytes().cycle();
    let mut i = at + 3;
    let mut depth = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b']' if depth == 0 => break,
            b if depth > 0 && b.is_ascii_alphanumeric() => {
                bytes[i] = fill.next().unwrap_or(b'0');
            }
            _ => {}
        }
        i += 1;
    }
    bytes
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}
