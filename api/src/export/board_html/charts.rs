//! The report's pictures as inline SVG markup: the score trend and the coverage bars. Where things go is worked out
//! in `export::svg_chart`; this module only writes it down.

use maud::{Markup, html};

use super::{MISSING, long_date, number, pct};
use crate::domain::board::{BoardReport, FrameworkCoverage};
use crate::export::svg_chart::{Frame, LineChart, coord, stacked};

const SVG_NS: &str = "http://www.w3.org/2000/svg";
/// Label size in SVG units; the chart is drawn 680 units wide, about the width of the printed text column.
const LABEL: &str = "11";

/// The trend section: the daily score as a line on a percent axis, the first and last days marked with their values.
pub(super) fn trend(report: &BoardReport) -> Markup {
    let series: Vec<_> = report.trend.iter().map(|p| (p.date, p.percent)).collect();
    let chart = LineChart::new(Frame::TREND, &series);
    html! {
        section.keep #trend {
            h2 { "Trend" }
            @match chart.dates {
                None => p.muted { "No score history was recorded for this quarter yet." },
                Some((first, last)) => {
                    (trend_svg(&chart))
                    p.small.muted {
                        @if first == last {
                            "Microsoft Secure Score on " (long_date(first)) ", the only day recorded so far. "
                            "The dot marks its value."
                        } @else {
                            "Daily Microsoft Secure Score from " (long_date(first)) " to " (long_date(last))
                            " (" (chart.points.len()) " days). The dots mark the first and last values."
                        }
                    }
                },
            }
        }
    }
}

fn trend_svg(chart: &LineChart) -> Markup {
    let f = chart.frame;
    // The quarter's start and end values are marked: the first and last points (one point is both).
    let marked: Vec<usize> = match chart.points.len() {
        0 => Vec::new(),
        1 => vec![0],
        n => vec![0, n - 1],
    };
    let label = match (chart.values.first(), chart.values.last()) {
        (Some(first), Some(last)) => format!("Secure Score trend from {} to {}", pct(*first), pct(*last)),
        _ => "Secure Score trend".to_owned(),
    };
    html! {
        svg.chart xmlns=(SVG_NS) viewBox={ "0 0 " (coord(f.width)) " " (coord(f.height)) } role="img"
            aria-label=(label) {
            @for tick in chart.axis.ticks() {
                @let y = coord(chart.y(tick));
                line x1=(coord(f.left)) x2=(coord(f.right)) y1=(y) y2=(y) stroke="#bbb" stroke-width="0.8"
                    stroke-dasharray="3 3" {}
                text x=(coord(f.left - 6.0)) y=(y) dy="4" text-anchor="end" font-size=(LABEL) { (number(tick)) "%" }
            }
            line x1=(coord(f.left)) x2=(coord(f.left)) y1=(coord(f.top)) y2=(coord(f.bottom)) stroke="#111" {}
            line x1=(coord(f.left)) x2=(coord(f.right)) y1=(coord(f.bottom)) y2=(coord(f.bottom)) stroke="#111" {}
            @if let Some((first, last)) = chart.dates {
                @let y = coord(f.bottom + 18.0);
                @if first == last {
                    text x=(coord(chart.x(first))) y=(y) text-anchor="middle" font-size=(LABEL) { (long_date(first)) }
                } @else {
                    text x=(coord(f.left)) y=(y) text-anchor="start" font-size=(LABEL) { (long_date(first)) }
                    text x=(coord(f.right)) y=(y) text-anchor="end" font-size=(LABEL) { (long_date(last)) }
                }
            }
            @if chart.points.len() > 1 {
                polyline points=(chart.polyline()) fill="none" stroke="#111" stroke-width="2"
                    stroke-linejoin="round" stroke-linecap="round" {}
            }
            @for &i in &marked {
                @let (point, value) = (chart.points[i], chart.values[i]);
                circle cx=(coord(point.x)) cy=(coord(point.y)) r="4" fill="#111" stroke="#fff" stroke-width="1.5" {}
                // The first value sits above its dot, inside the plot; the last one right of it, in the margin the
                // frame keeps free for it, so neither covers the line.
                @if i == 0 && marked.len() > 1 {
                    @let above = point.y - 10.0 > f.top;
                    text x=(coord(point.x + 4.0)) y=(coord(if above { point.y - 9.0 } else { point.y + 18.0 }))
                        font-size=(LABEL) font-weight="bold" { (pct(value)) }
                } @else {
                    text x=(coord(point.x + 7.0)) y=(coord(point.y)) dy="4" font-size=(LABEL) font-weight="bold" {
                        (pct(value))
                    }
                }
            }
        }
    }
}

/// The coverage section: one row per framework with its percentage, a stacked bar and the counts behind it.
pub(super) fn coverage(frameworks: &[FrameworkCoverage]) -> Markup {
    html! {
        section.keep #coverage {
            h2 { "Framework coverage" }
            @if frameworks.is_empty() {
                p.muted { "No framework is in the audit scope." }
            } @else {
                table.coverage {
                    thead { tr {
                        th { "Framework" } th.num { "Coverage" } th { "Controls" } th.num { "Covered" }
                        th.num { "Partial" } th.num { "Gap" } th.num { "Not mapped" }
                    } }
                    tbody { @for framework in frameworks { tr {
                        td { (framework.name) br; span.small.muted { (framework.framework) } }
                        td.num { (if framework.percent.is_finite() { pct(framework.percent) } else { MISSING.to_owned() }) }
                        td.bar-cell { (bar(framework)) }
                        td.num { (framework.covered) }
                        td.num { (framework.partial) }
                        td.num { (framework.gaps) }
                        td.num { (framework.not_mapped) }
                    } } }
                }
                p.small.muted {
                    "Controls of each framework in the tenant's audit scope: "
                    span.swatch.fill-covered {} " covered  " span.swatch.fill-partial {} " partial  "
                    span.swatch.fill-gap {} " gap  " span.swatch.fill-not-mapped {} " not mapped (no Secure Score "
                    "recommendation reaches the control)"
                }
            }
        }
    }
}

/// Bar segments in the order of the table's columns, each with the class that fills it.
const SEGMENTS: [&str; 4] = ["fill-covered", "fill-partial", "fill-gap", "fill-not-mapped"];

fn bar(framework: &FrameworkCoverage) -> Markup {
    let counts = [framework.covered, framework.partial, framework.gaps, framework.not_mapped];
    let segments = stacked(&counts, 100.0);
    html! {
        // Stretched to the cell's width; non-scaling strokes keep the outline a hairline however wide that is.
        svg.bar xmlns=(SVG_NS) viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" {
            @for (segment, class) in segments.iter().zip(SEGMENTS) {
                @if segment.width > 0.0 {
                    rect class=(class) x=(coord(segment.x)) y="0" width=(coord(segment.width)) height="10"
                        stroke="#111" stroke-width="0.6" vector-effect="non-scaling-stroke" {}
                }
            }
            rect x="0" y="0" width="100" height="10" fill="none" stroke="#111" stroke-width="1"
                vector-effect="non-scaling-stroke" {}
        }
    }
}
