//! The score trend as a PNG, drawn in-process for e-mail and chat (mail clients strip SVG). Where things go is the
//! board report's geometry (`export::svg_chart`); tiny-skia draws and encodes the picture, and the labels are set
//! in a Latin subset of DejaVu Sans bundled with the binary (`api/assets/fonts`, licence beside it), so rendering
//! needs no font installed on the host.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use chrono::NaiveDate;
use tiny_skia::{
    Color, LineCap, LineJoin, Paint, PathBuilder, Pixmap, PremultipliedColorU8, Stroke, StrokeDash, Transform,
};

use super::svg_chart::{Frame, LineChart};

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-LatinSubset.ttf");

/// The chart in logical pixels, about the width of an e-mail's body; the margins hold the title and the labels.
pub const FRAME: Frame = Frame { width: 600.0, height: 260.0, left: 50.0, right: 530.0, top: 46.0, bottom: 218.0 };
/// Drawn at twice the logical size, so it stays sharp on high-density screens.
pub const SCALE: f32 = 2.0;

const INK: [u8; 3] = [0x22, 0x22, 0x22];
const MUTED: [u8; 3] = [0x66, 0x66, 0x66];
const LINE: [u8; 3] = [0x1f, 0x4e, 0x79];

/// Why a chart could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the chart canvas could not be allocated")]
    Canvas,
    #[error("the bundled font could not be read")]
    Font,
    #[error("the chart could not be encoded as PNG: {0}")]
    Encode(String),
}

/// Where a label sits relative to its x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Start,
    Middle,
    End,
}

struct Canvas<'f> {
    pixmap: Pixmap,
    font: FontRef<'f>,
}

impl Canvas<'_> {
    fn paint(rgb: [u8; 3]) -> Paint<'static> {
        let mut paint = Paint::default();
        paint.set_color_rgba8(rgb[0], rgb[1], rgb[2], 255);
        paint.anti_alias = true;
        paint
    }

    /// A straight line in logical coordinates.
    fn line(&mut self, from: (f64, f64), to: (f64, f64), rgb: [u8; 3], width: f32, dash: bool) {
        let mut path = PathBuilder::new();
        path.move_to(from.0 as f32, from.1 as f32);
        path.line_to(to.0 as f32, to.1 as f32);
        let Some(path) = path.finish() else { return };
        let stroke =
            Stroke { width, dash: if dash { StrokeDash::new(vec![3.0, 3.0], 0.0) } else { None }, ..Stroke::default() };
        self.pixmap.stroke_path(&path, &Self::paint(rgb), &stroke, Transform::from_scale(SCALE, SCALE), None);
    }

    fn polyline(&mut self, points: &[(f64, f64)], rgb: [u8; 3], width: f32) {
        let mut path = PathBuilder::new();
        for (i, (x, y)) in points.iter().enumerate() {
            if i == 0 { path.move_to(*x as f32, *y as f32) } else { path.line_to(*x as f32, *y as f32) }
        }
        let Some(path) = path.finish() else { return };
        let stroke = Stroke { width, line_cap: LineCap::Round, line_join: LineJoin::Round, ..Stroke::default() };
        self.pixmap.stroke_path(&path, &Self::paint(rgb), &stroke, Transform::from_scale(SCALE, SCALE), None);
    }

    fn dot(&mut self, at: (f64, f64), rgb: [u8; 3]) {
        let Some(ring) = PathBuilder::from_circle(at.0 as f32, at.1 as f32, 5.5) else { return };
        let transform = Transform::from_scale(SCALE, SCALE);
        self.pixmap.fill_path(&ring, &Self::paint([0xff, 0xff, 0xff]), tiny_skia::FillRule::Winding, transform, None);
        let Some(inner) = PathBuilder::from_circle(at.0 as f32, at.1 as f32, 4.0) else { return };
        self.pixmap.fill_path(&inner, &Self::paint(rgb), tiny_skia::FillRule::Winding, transform, None);
    }

    /// The advance width of `text` at `size` logical pixels, in device pixels.
    fn measure(&self, text: &str, scale: PxScale) -> f32 {
        let scaled = self.font.as_scaled(scale);
        let ids: Vec<_> = text.chars().map(|c| self.font.glyph_id(c)).collect();
        ids.iter()
            .enumerate()
            .map(|(i, id)| scaled.h_advance(*id) + if i > 0 { scaled.kern(ids[i - 1], *id) } else { 0.0 })
            .sum()
    }

    /// A value label on a white ground, so the line it sits near never strikes through it.
    fn label(&mut self, text: &str, x: f64, y: f64, size: f32) {
        let width = self.measure(text, PxScale::from(size * SCALE)) / SCALE;
        let ground = tiny_skia::Rect::from_xywh(x as f32 - 2.0, y as f32 - size, width + 4.0, size + 4.0);
        if let Some(ground) = ground {
            self.pixmap.fill_rect(ground, &Self::paint([0xff, 0xff, 0xff]), Transform::from_scale(SCALE, SCALE), None);
        }
        self.text(text, x, y, size, INK, Anchor::Start);
    }

    /// Text with its baseline at logical `y`, `size` logical pixels high.
    fn text(&mut self, text: &str, x: f64, y: f64, size: f32, rgb: [u8; 3], anchor: Anchor) {
        let scale = PxScale::from(size * SCALE);
        let scaled = self.font.as_scaled(scale);
        let ids: Vec<_> = text.chars().map(|c| self.font.glyph_id(c)).collect();
        let width = self.measure(text, scale);
        let start = x as f32 * SCALE;
        let mut pen = match anchor {
            Anchor::Start => start,
            Anchor::Middle => start - width / 2.0,
            Anchor::End => start - width,
        };
        let baseline = y as f32 * SCALE;
        let (w, h) = (self.pixmap.width() as i32, self.pixmap.height() as i32);
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                pen += scaled.kern(ids[i - 1], *id);
            }
            let glyph = id.with_scale_and_position(scale, ab_glyph::point(pen, baseline));
            pen += scaled.h_advance(*id);
            let Some(outline) = self.font.outline_glyph(glyph) else { continue };
            let bounds = outline.px_bounds();
            let pixels = self.pixmap.pixels_mut();
            outline.draw(|gx, gy, coverage| {
                let (px, py) = (bounds.min.x as i32 + gx as i32, bounds.min.y as i32 + gy as i32);
                if px < 0 || py < 0 || px >= w || py >= h {
                    return;
                }
                let pixel = &mut pixels[(py * w + px) as usize];
                // The canvas is opaque, so premultiplied and straight colour are the same; blend over it.
                let mix = |ink: u8, under: u8| {
                    (f32::from(ink) * coverage + f32::from(under) * (1.0 - coverage)).round() as u8
                };
                let blended = PremultipliedColorU8::from_rgba(
                    mix(rgb[0], pixel.red()),
                    mix(rgb[1], pixel.green()),
                    mix(rgb[2], pixel.blue()),
                    255,
                );
                if let Some(blended) = blended {
                    *pixel = blended;
                }
            });
        }
    }
}

fn percent_label(value: f64) -> String {
    format!("{} %", crate::domain::diagnosis::points(value))
}

fn date_label(day: NaiveDate) -> String {
    day.format("%-d %b %Y").to_string()
}

/// Draws `series` (day and percent) under `title` as a PNG of `FRAME` × `SCALE` pixels.
pub fn render(title: &str, series: &[(NaiveDate, f64)]) -> Result<Vec<u8>, ChartError> {
    let f = FRAME;
    let pixmap =
        Pixmap::new((f.width as f32 * SCALE) as u32, (f.height as f32 * SCALE) as u32).ok_or(ChartError::Canvas)?;
    let font = FontRef::try_from_slice(FONT).map_err(|_| ChartError::Font)?;
    let mut canvas = Canvas { pixmap, font };
    canvas.pixmap.fill(Color::WHITE);
    canvas.text(title, f.left - 38.0, 24.0, 15.0, INK, Anchor::Start);
    let chart = LineChart::new(f, series);
    let Some((first, last)) = chart.dates else {
        canvas.text(
            "No score has been recorded yet.",
            f.width / 2.0,
            (f.top + f.bottom) / 2.0,
            13.0,
            MUTED,
            Anchor::Middle,
        );
        return encode(canvas.pixmap);
    };
    for tick in chart.axis.ticks() {
        let y = chart.y(tick);
        canvas.line((f.left, y), (f.right, y), [0xc8, 0xc8, 0xc8], 0.8, true);
        canvas.text(&percent_label(tick), f.left - 6.0, y + 4.0, 11.0, MUTED, Anchor::End);
    }
    canvas.line((f.left, f.top), (f.left, f.bottom), INK, 1.0, false);
    canvas.line((f.left, f.bottom), (f.right, f.bottom), INK, 1.0, false);
    let below = f.bottom + 18.0;
    if first == last {
        canvas.text(&date_label(first), chart.x(first), below, 11.0, MUTED, Anchor::Middle);
    } else {
        canvas.text(&date_label(first), f.left, below, 11.0, MUTED, Anchor::Start);
        canvas.text(&date_label(last), f.right, below, 11.0, MUTED, Anchor::End);
    }
    let points: Vec<(f64, f64)> = chart.points.iter().map(|p| (p.x, p.y)).collect();
    if points.len() > 1 {
        canvas.polyline(&points, LINE, 2.5);
    }
    // The first and last values are marked: the first above its dot, the last right of it in the margin.
    let marked: Vec<usize> = if points.len() > 1 { vec![0, points.len() - 1] } else { vec![0] };
    for &i in &marked {
        let (point, value) = (points[i], chart.values[i]);
        canvas.dot(point, LINE);
        if i == 0 && marked.len() > 1 {
            let y = if point.1 - 12.0 > f.top { point.1 - 10.0 } else { point.1 + 20.0 };
            canvas.label(&percent_label(value), point.0 + 6.0, y, 12.0);
        } else {
            canvas.label(&percent_label(value), point.0 + 9.0, point.1 + 4.0, 12.0);
        }
    }
    encode(canvas.pixmap)
}

fn encode(pixmap: Pixmap) -> Result<Vec<u8>, ChartError> {
    pixmap.encode_png().map_err(|e| ChartError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn decoded(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let pixmap = Pixmap::decode_png(bytes).unwrap();
        (pixmap.width(), pixmap.height(), pixmap.data().to_vec())
    }

    #[test]
    fn a_trend_is_a_png_of_the_frame_at_twice_its_size_with_ink_on_white() {
        let png = render("Secure Score, last 30 days", &[(day(1), 58.2), (day(10), 61.0), (day(23), 63.4)]).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let (w, h, data) = decoded(&png);
        assert_eq!((w, h), (1200, 520));
        let dark = data.chunks(4).filter(|p| p[0] < 0x80 && p[3] == 0xff).count();
        let white = data.chunks(4).filter(|p| p[..3] == [0xff, 0xff, 0xff]).count();
        assert!(white > dark * 5, "mostly white: {white} white, {dark} dark");
        assert!(dark > 2_000, "the line, axes and labels are drawn: {dark} dark pixels");
    }

    #[test]
    fn the_line_colour_appears_where_the_series_is() {
        let png = render("t", &[(day(1), 40.0), (day(2), 60.0)]).unwrap();
        let (w, _, data) = decoded(&png);
        let chart = LineChart::new(FRAME, &[(day(1), 40.0), (day(2), 60.0)]);
        let mid = ((chart.points[0].x + chart.points[1].x) / 2.0, (chart.points[0].y + chart.points[1].y) / 2.0);
        let (x, y) = ((mid.0 as f32 * SCALE) as u32, (mid.1 as f32 * SCALE) as u32);
        let i = ((y * w + x) * 4) as usize;
        assert_eq!(&data[i..i + 3], &LINE, "the midpoint of the line is drawn in the line's colour");
    }

    #[test]
    fn an_empty_or_single_day_series_still_draws() {
        let (w, h, data) = decoded(&render("t", &[]).unwrap());
        assert_eq!((w, h), (1200, 520));
        assert!(data.chunks(4).any(|p| p[0] < 0x80), "the 'no score' text is drawn");
        assert!(decoded(&render("t", &[(day(5), 70.0)]).unwrap()).0 == 1200);
    }

    #[test]
    fn text_is_drawn_from_the_bundled_font() {
        let font = FontRef::try_from_slice(FONT).unwrap();
        for c in "Secure Score 0123456789 % – Nov é".chars() {
            assert_ne!(font.glyph_id(c).0, 0, "{c} is in the subset");
        }
    }
}
