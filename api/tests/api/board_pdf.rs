//! The board report prints: rendered to HTML by scoregrc, printed to PDF by headless Chromium.

use chrono::{NaiveDate, TimeZone, Utc};
use scoregrc::domain::board::{
    BoardReport, CompletedAction, FrameworkCoverage, Gap, RoadmapDelivery, ScoreChange, SignOff, TrendPoint,
};
use scoregrc::export::board_html;

use crate::chromium;

fn day(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, month, day).unwrap()
}

/// A quarter as a mid-sized tenant would report it: a rising score, a handful of actions, gaps of both kinds.
fn realistic_report() -> BoardReport {
    let trend = (0..90u32)
        .map(|i| TrendPoint {
            date: day(1, 1) + chrono::Days::new(u64::from(i)),
            // A climb in steps with a dip in February, as when a new recommendation lands.
            percent: 58.2 + f64::from((i + 1) / 10) * 1.5 - if (40..45).contains(&i) { 2.0 } else { 0.0 },
        })
        .collect();
    let action =
        |title: &str, id: &str, category: &str, points: f64, on: NaiveDate, controls: &[&str]| CompletedAction {
            title: title.into(),
            external_id: Some(id.into()),
            category: Some(category.into()),
            points,
            completed_on: on,
            confirmed: points > 5.0,
            controls: controls.iter().map(|c| (*c).into()).collect(),
        };
    let gap = |title: &str, category: &str, points: f64, status: &str, why: &str| Gap {
        title: title.into(),
        category: Some(category.into()),
        points_available: points,
        risk_reduction: Some("high".into()),
        status: status.into(),
        why: why.into(),
    };
    BoardReport {
        tenant: "Contoso <script>alert(1)</script> Ltd".into(),
        quarter: "2027-Q1".parse().unwrap(),
        as_of: day(3, 31),
        closed: true,
        generated_at: Utc.with_ymd_and_hms(2027, 4, 2, 9, 30, 0).unwrap(),
        score: ScoreChange {
            start_percent: Some(58.2),
            end_percent: Some(71.7),
            start_points: Some(349.2),
            end_points: Some(430.2),
            max_points: Some(600.0),
            change_percent: Some(13.5),
        },
        trend,
        completed: vec![
            action(
                "Require MFA for administrative roles",
                "AdminMFAV2",
                "Identity",
                10.0,
                day(1, 14),
                &["ISO 27001 A.5.17", "ISO 27001 A.8.5", "NIS2 Art. 21(2)(j)"],
            ),
            action(
                "Block legacy authentication",
                "BlockLegacyAuthentication",
                "Identity",
                8.0,
                day(2, 3),
                &["ISO 27001 A.8.5", "NIS2 Art. 21(2)(i)"],
            ),
            action(
                "Turn on Microsoft Defender for Office 365 Safe Attachments",
                "mdo_safeattachments",
                "Apps",
                4.5,
                day(2, 20),
                &["ISO 27001 A.8.7", "NIS2 Art. 21(2)(e)"],
            ),
            action(
                "Ensure sign-in risk policy is configured",
                "SigninRiskPolicy",
                "Identity",
                7.0,
                day(3, 11),
                &["ISO 27001 A.8.16"],
            ),
            action("Enable audit data recording", "mip_search_auditlog", "Data", 3.0, day(3, 25), &[]),
        ],
        gaps: vec![
            gap(
                "Do not allow users to grant consent to unmanaged applications",
                "Apps",
                4.0,
                "to_address",
                "High risk, low effort: planned for 2027-Q2",
            ),
            gap("Require MFA for all users", "Identity", 9.0, "in_progress", "Roadmap item: rolling out by department"),
            gap(
                "Turn on Safe Links for Office apps",
                "Apps",
                2.5,
                "risk_accepted",
                "Breaks the line-of-business add-in; the web proxy filters links (RA-2027-003, review Jan 2028)",
            ),
            gap(
                "Onboard devices to Defender for Endpoint \"legacy\" <OT> segment",
                "Device",
                6.0,
                "risk_accepted",
                "Compensating control: the OT network is air-gapped <script>alert(1)</script>",
            ),
        ],
        coverage: vec![
            FrameworkCoverage {
                framework: "iso27001".into(),
                name: "ISO/IEC 27001:2022 Annex A".into(),
                percent: 64.5,
                covered: 21,
                partial: 9,
                gaps: 5,
                not_mapped: 58,
            },
            FrameworkCoverage {
                framework: "nis2".into(),
                name: "NIS2 Directive Art. 21(2)".into(),
                percent: 72.0,
                covered: 6,
                partial: 3,
                gaps: 1,
                not_mapped: 0,
            },
        ],
        roadmap: Some(RoadmapDelivery {
            planned: 8,
            delivered: 5,
            in_progress: 2,
            slipped: 1,
            projected_percent: Some(73.0),
            achieved_percent: Some(71.7),
            projected_points: 40.0,
            achieved_points: 32.5,
        }),
        sign_off: Some(SignOff {
            by: "Jane Doe (CISO)".into(),
            at: Utc.with_ymd_and_hms(2027, 4, 3, 14, 5, 0).unwrap(),
        }),
    }
}

/// Page objects in the PDF. `/Type /Pages` (the page tree) is excluded by what follows the name.
fn page_count(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1).filter(|w| w.starts_with(needle) && !w[needle.len()].is_ascii_alphanumeric()).count()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_board_report_prints_to_a_pdf() {
    let html = board_html::render(&realistic_report());
    assert!(!html.contains("<script>"), "the tenant's and the gap's text must render inert");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("board-report-2027-Q1.html");
    std::fs::write(&path, &html).unwrap();

    let pdf = chromium::print_file_to_pdf(&path);

    assert!(pdf.starts_with(b"%PDF-"));
    // A near-blank page prints to about 6 KB; the report, with its fonts, tables and chart, to several times that.
    assert!(pdf.len() > 20 * 1024, "a {}-byte PDF is too small to hold the report", pdf.len());
    // Text was laid out with a real font (Chromium embeds the ones it drew with), not left out for want of one.
    assert!(contains(&pdf, b"/FontName /"), "the PDF embeds no font: is a font (fonts-dejavu-core) installed?");
    let pages = page_count(&pdf);
    // Everything fits on a few A4 pages; many more would mean the print styles broke.
    assert!((1..=4).contains(&pages), "{pages} pages");
    println!("board report PDF: {} bytes, {pages} pages", pdf.len());
}

#[test]
fn page_counting_skips_the_page_tree() {
    assert_eq!(page_count(b"<< /Type /Pages /Kids [3 0 R] >> << /Type /Page /Parent 2 0 R >>"), 1);
    assert_eq!(page_count(b"/Type /Page\n/Type /Page>>"), 2);
}
