//! Geometry for the charts drawn server-side in printable reports: where a percentage series lands in an SVG, which
//! percent ticks its axis gets, and how a stacked bar splits. Pure arithmetic, so the markup writers stay simple and
//! the numbers can be tested without parsing SVG.

use chrono::NaiveDate;

/// An SVG canvas and the plot area inside it; the margins leave room for the axis labels. SVG units, y grows down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    /// The board report's trend chart: as wide as an A4 page's text column, short enough to share the page. The right
    /// margin holds the last value's label.
    pub const TREND: Frame = Frame { width: 680.0, height: 230.0, left: 52.0, right: 620.0, top: 14.0, bottom: 196.0 };
}

/// A position on the canvas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// The percent axis: `min` to `max` (both within 0–100) in steps of `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PercentAxis {
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

/// Tick steps the axis may use: round numbers a reader can add up at a glance.
const STEPS: [f64; 6] = [1.0, 2.0, 5.0, 10.0, 20.0, 25.0];
/// At most this many intervals between ticks, so the labels stay legible on paper.
const MAX_INTERVALS: f64 = 6.0;

impl PercentAxis {
    /// The tightest axis on round ticks that holds `values`. A score moving from 62 % to 66 % must read as movement,
    /// so the axis does not start at 0; a flat or single value still gets a band of at least a point either side.
    pub fn fit(values: impl IntoIterator<Item = f64>) -> Self {
        let (lo, hi) = values
            .into_iter()
            .filter(|v| v.is_finite())
            .map(clamp_percent)
            .fold(None, |range: Option<(f64, f64)>, v| Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v)))))
            .unwrap_or((0.0, 100.0));
        let pad = ((hi - lo) * 0.1).max(1.0);
        let (lo, hi) = (lo - pad, hi + pad);
        let step = STEPS.into_iter().find(|s| (hi / s).ceil() - (lo / s).floor() <= MAX_INTERVALS).unwrap_or(STEPS[5]);
        // 0 and 100 are multiples of every step, so clamping keeps the ticks aligned.
        let min = ((lo / step).floor() * step).max(0.0);
        let max = ((hi / step).ceil() * step).min(100.0);
        Self { min, max, step }
    }

    /// The tick values, `min` to `max` inclusive.
    pub fn ticks(&self) -> Vec<f64> {
        let intervals = ((self.max - self.min) / self.step).round() as u32;
        (0..=intervals).map(|i| self.min + f64::from(i) * self.step).collect()
    }
}

/// A percentage series laid out in a frame: the points of its line and the axis it is read against.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub frame: Frame,
    pub axis: PercentAxis,
    /// The first and last dates of the series, labelling the ends of the x axis.
    pub dates: Option<(NaiveDate, NaiveDate)>,
    /// One point per value, oldest first.
    pub points: Vec<Point>,
    /// The value each point stands for (clamped to 0–100), for labels.
    pub values: Vec<f64>,
}

impl LineChart {
    /// Lays out `series` (date and percent). Dates place the points, so a missing day leaves a proportionate gap
    /// instead of squeezing the line; non-finite values are skipped and values outside 0–100 are clamped.
    pub fn new(frame: Frame, series: &[(NaiveDate, f64)]) -> Self {
        let mut series: Vec<(NaiveDate, f64)> =
            series.iter().copied().filter(|(_, v)| v.is_finite()).map(|(d, v)| (d, clamp_percent(v))).collect();
        series.sort_by_key(|(date, _)| *date);
        let axis = PercentAxis::fit(series.iter().map(|(_, v)| *v));
        let dates = series.first().zip(series.last()).map(|(first, last)| (first.0, last.0));
        let values = series.iter().map(|(_, v)| *v).collect();
        let mut chart = Self { frame, axis, dates, points: Vec::new(), values };
        chart.points = series.iter().map(|(d, v)| Point { x: chart.x(*d), y: chart.y(*v) }).collect();
        chart
    }

    /// The x of `date`: proportional to the days since the first date; a single day sits in the middle.
    pub fn x(&self, date: NaiveDate) -> f64 {
        let f = self.frame;
        match self.dates {
            Some((first, last)) if last > first => {
                let days = (date - first).num_days() as f64;
                let span = (last - first).num_days() as f64;
                f.left + (days / span).clamp(0.0, 1.0) * (f.right - f.left)
            }
            _ => (f.left + f.right) / 2.0,
        }
    }

    /// The y of `percent` on the chart's axis (the bottom of the plot is the axis minimum).
    pub fn y(&self, percent: f64) -> f64 {
        let f = self.frame;
        let share = ((percent - self.axis.min) / (self.axis.max - self.axis.min)).clamp(0.0, 1.0);
        f.bottom - share * (f.bottom - f.top)
    }

    /// The points as an SVG `points` attribute: `x,y x,y …`.
    pub fn polyline(&self) -> String {
        self.points.iter().map(|p| format!("{},{}", coord(p.x), coord(p.y))).collect::<Vec<_>>().join(" ")
    }
}

/// One segment of a stacked bar: where it starts and how wide it is, in the bar's units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub x: f64,
    pub width: f64,
}

/// Splits a bar `width` wide into segments proportional to `counts`, left to right; all zero-width when every count
/// is zero.
pub fn stacked(counts: &[u64], width: f64) -> Vec<Segment> {
    let total: u64 = counts.iter().sum();
    let mut x = 0.0;
    counts
        .iter()
        .map(|&count| {
            let w = if total == 0 { 0.0 } else { count as f64 / total as f64 * width };
            let segment = Segment { x, width: w };
            x += w;
            segment
        })
        .collect()
}

/// A coordinate as SVG text: one decimal is finer than a printer's dot at these sizes and keeps the markup short.
pub fn coord(value: f64) -> String {
    // Anything that rounds to zero prints as `0`, never `-0`.
    let value = if value.abs() < 0.05 { 0.0 } else { value };
    let text = format!("{value:.1}");
    text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
}

fn clamp_percent(value: f64) -> f64 {
    value.clamp(0.0, 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: Frame = Frame { width: 200.0, height: 120.0, left: 20.0, right: 180.0, top: 10.0, bottom: 110.0 };

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, d).unwrap()
    }

    #[test]
    fn the_axis_hugs_the_values_on_round_ticks() {
        let axis = PercentAxis::fit([58.2, 63.0, 71.4]);
        assert_eq!(axis, PercentAxis { min: 55.0, max: 75.0, step: 5.0 });
        assert_eq!(axis.ticks(), vec![55.0, 60.0, 65.0, 70.0, 75.0]);
    }

    #[test]
    fn the_axis_never_leaves_zero_to_a_hundred() {
        assert_eq!(PercentAxis::fit([0.0, 100.0]), PercentAxis { min: 0.0, max: 100.0, step: 25.0 });
        assert_eq!(PercentAxis::fit([100.0]), PercentAxis { min: 99.0, max: 100.0, step: 1.0 });
        assert_eq!(PercentAxis::fit([0.0, 0.0]), PercentAxis { min: 0.0, max: 1.0, step: 1.0 });
        assert_eq!(PercentAxis::fit([-20.0, 140.0]), PercentAxis { min: 0.0, max: 100.0, step: 25.0 });
    }

    #[test]
    fn a_flat_or_missing_series_still_gets_a_usable_axis() {
        let flat = PercentAxis::fit([62.5; 30]);
        assert!(flat.min < 62.5 && 62.5 < flat.max, "{flat:?}");
        assert!(flat.ticks().len() >= 2);
        assert_eq!(PercentAxis::fit([]), PercentAxis { min: 0.0, max: 100.0, step: 25.0 });
        assert_eq!(PercentAxis::fit([f64::NAN]), PercentAxis::fit([]));
    }

    #[test]
    fn ticks_are_few_enough_to_read() {
        for values in [vec![0.0, 3.0], vec![12.0, 88.0], vec![40.0, 41.5], vec![5.0, 55.0], vec![97.0, 99.9]] {
            let axis = PercentAxis::fit(values.iter().copied());
            let ticks = axis.ticks();
            assert!((2..=7).contains(&ticks.len()), "{values:?}: {ticks:?}");
            assert!(values.iter().all(|v| axis.min <= *v && *v <= axis.max), "{values:?}: {axis:?}");
        }
    }

    #[test]
    fn points_span_the_plot_by_date_and_value() {
        // 50 to 80 padded is 47 to 83; on steps of ten that is an axis from 40 to 90.
        let chart = LineChart::new(FRAME, &[(day(1), 50.0), (day(3), 80.0), (day(5), 65.0)]);
        assert_eq!(chart.axis, PercentAxis { min: 40.0, max: 90.0, step: 10.0 });
        assert_eq!(chart.dates, Some((day(1), day(5))));
        assert_eq!(
            chart.points,
            vec![Point { x: 20.0, y: 90.0 }, Point { x: 100.0, y: 30.0 }, Point { x: 180.0, y: 60.0 }]
        );
        assert_eq!(chart.polyline(), "20,90 100,30 180,60");
    }

    #[test]
    fn a_missing_day_leaves_a_gap_and_unsorted_input_is_put_in_order() {
        let chart = LineChart::new(FRAME, &[(day(5), 60.0), (day(1), 60.0), (day(2), 60.0)]);
        let xs: Vec<f64> = chart.points.iter().map(|p| p.x).collect();
        assert_eq!(xs, vec![20.0, 60.0, 180.0]);
        let clamped = LineChart::new(FRAME, &[(day(2), 120.0), (day(1), -3.0)]);
        assert_eq!(clamped.values, vec![0.0, 100.0]);
    }

    #[test]
    fn a_single_point_sits_in_the_middle_and_a_flat_line_mid_height() {
        let one = LineChart::new(FRAME, &[(day(9), 70.0)]);
        assert_eq!(one.points.len(), 1);
        assert_eq!(one.points[0].x, 100.0);
        assert!(one.points[0].y > FRAME.top && one.points[0].y < FRAME.bottom);
        let flat = LineChart::new(FRAME, &[(day(1), 50.0), (day(2), 50.0)]);
        assert_eq!(flat.points[0].y, flat.points[1].y);
        assert!(flat.points[0].y > FRAME.top && flat.points[0].y < FRAME.bottom);
    }

    #[test]
    fn an_empty_series_has_no_points_and_no_dates() {
        let chart = LineChart::new(FRAME, &[(day(1), f64::NAN)]);
        assert!(chart.points.is_empty() && chart.dates.is_none());
        assert_eq!(chart.polyline(), "");
        assert_eq!(chart.y(0.0), FRAME.bottom);
        assert_eq!(chart.y(100.0), FRAME.top);
    }

    #[test]
    fn stacked_segments_follow_each_other_and_fill_the_bar() {
        let segments = stacked(&[2, 1, 1, 0], 100.0);
        assert_eq!(
            segments,
            vec![
                Segment { x: 0.0, width: 50.0 },
                Segment { x: 50.0, width: 25.0 },
                Segment { x: 75.0, width: 25.0 },
                Segment { x: 100.0, width: 0.0 },
            ]
        );
        assert!(stacked(&[0, 0], 100.0).iter().all(|s| s.width == 0.0));
    }

    #[test]
    fn coordinates_print_short() {
        assert_eq!(coord(20.0), "20");
        assert_eq!(coord(33.333), "33.3");
        assert_eq!(coord(-0.04), "0");
        assert_eq!(coord(-12.34), "-12.3");
    }
}
