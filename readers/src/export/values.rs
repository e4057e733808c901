//! Cell text to values: decimals with `.` or `,`, `achieved/max` points, score impact, yes/no, status.

use super::{PortalStatus, ScoreImpact};

/// A decimal number as the portal or Excel writes it in any of the supported locales.
///
/// Accepts `.` or `,` as decimal separator, a leading `+`, `-` or `−`, and spaces (also no-break spaces)
/// used as thousands separators. When both `.` and `,` occur, the last one is the decimal separator.
/// Rejects exponents, `inf`, `NaN` and anything else `f64::from_str` would let through.
pub(crate) fn parse_decimal(text: &str) -> Option<f64> {
    let mut cleaned: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    cleaned = cleaned.replace('\u{2212}', "-");
    let unsigned = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    let (negative, digits) = match unsigned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, unsigned),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') {
        return None;
    }
    let normalised = match (digits.rfind('.'), digits.rfind(',')) {
        (Some(dot), Some(comma)) if comma > dot => digits.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => digits.replace(',', ""),
        (None, Some(_)) if digits.matches(',').count() == 1 => digits.replace(',', "."),
        (None, Some(_)) => return None,
        _ => digits.to_owned(),
    };
    if normalised.matches('.').count() > 1 || !normalised.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let value: f64 = normalised.parse().ok()?;
    value.is_finite().then_some(if negative { -value } else { value })
}

/// Why a `Points achieved` value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PointsProblem {
    NotAFraction,
    NotANumber,
    Negative,
    AboveMax,
}

/// `a/b` with optional spaces and either decimal separator: `5/9`, `4,5 / 9`, `0/10`.
pub(crate) fn parse_points(text: &str) -> Result<(f64, f64), PointsProblem> {
    let mut parts = text.split('/');
    let (Some(achieved), Some(max), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(PointsProblem::NotAFraction);
    };
    let achieved = parse_decimal(achieved).ok_or(PointsProblem::NotANumber)?;
    let max = parse_decimal(max).ok_or(PointsProblem::NotANumber)?;
    if achieved < 0.0 || max < 0.0 {
        return Err(PointsProblem::Negative);
    }
    // Values come rounded to two decimals, so allow a rounding error before calling it "above max".
    if achieved > max + 1e-9 {
        return Err(PointsProblem::AboveMax);
    }
    Ok((achieved, max))
}

/// Placeholders the portal or a spreadsheet uses for "no value".
fn is_placeholder(text: &str) -> bool {
    matches!(text, "" | "-" | "–" | "—" | "n/a" | "na" | "none")
}

/// `+3.24 %`, `+3,24 %`, `3.24%`, `-1.5 %` are percentages; `0.50 points`, `8.00`, `8,5` are points.
/// `Ok(None)` for an empty cell or a dash.
pub(crate) fn parse_score_impact(text: &str) -> Result<Option<ScoreImpact>, ()> {
    let lowered = text.trim().to_lowercase();
    if is_placeholder(&lowered) {
        return Ok(None);
    }
    if let Some(number) = lowered.strip_suffix('%') {
        return parse_decimal(number).map(|value| Some(ScoreImpact::Percent(value))).ok_or(());
    }
    let number = ["points", "point", "pts", "pt", "punkte", "punkt"]
        .iter()
        .find_map(|unit| lowered.strip_suffix(unit))
        .unwrap_or(&lowered);
    parse_decimal(number).map(|value| Some(ScoreImpact::Points(value))).ok_or(())
}

/// Yes/No in English, German and French, plus the true/false and 1/0 spreadsheets produce.
/// `Ok(None)` for an empty cell or a dash.
pub(crate) fn parse_yes_no(text: &str) -> Result<Option<bool>, ()> {
    let lowered = text.trim().to_lowercase();
    match lowered.as_str() {
        "yes" | "y" | "true" | "1" | "ja" | "wahr" | "oui" | "vrai" => Ok(Some(true)),
        "no" | "n" | "false" | "0" | "nein" | "falsch" | "non" | "faux" => Ok(Some(false)),
        other if is_placeholder(other) => Ok(None),
        _ => Err(()),
    }
}

/// A whole number such as a rank; `1.0` from a spreadsheet is accepted, `1.5` is not.
pub(crate) fn parse_whole(text: &str) -> Option<i32> {
    whole_from_f64(parse_decimal(text)?)
}

pub(crate) fn whole_from_f64(value: f64) -> Option<i32> {
    let in_range = value.fract() == 0.0 && value >= f64::from(i32::MIN) && value <= f64::from(i32::MAX);
    // The range check above makes the cast exact.
    in_range.then_some(value as i32)
}

/// Trims and collapses inner whitespace (line breaks inside quoted cells included).
pub(crate) fn collapse_whitespace(text: &str) -> String {
    let mut collapsed = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    collapsed
}

impl PortalStatus {
    /// Reads the portal's status text, case-insensitively; `None` for text this crate does not know.
    ///
    /// English: the six statuses in Microsoft's documentation. German and French: UNCONFIRMED — only the
    /// three whose translation is unambiguous (`Geplant`/`Planifié`, `Risiko akzeptiert`/`Risque accepté`,
    /// `Abgeschlossen`/`Terminé`); no localised export has been seen, so the others stay unknown rather
    /// than guessed.
    pub fn from_text(text: &str) -> Option<PortalStatus> {
        match collapse_whitespace(text).to_lowercase().as_str() {
            "to address" => Some(PortalStatus::ToAddress),
            "planned" | "geplant" | "planifié" => Some(PortalStatus::Planned),
            "risk accepted" | "risiko akzeptiert" | "risque accepté" => Some(PortalStatus::RiskAccepted),
            "resolved through third party" | "resolved through 3rd party" => Some(PortalStatus::ResolvedThirdParty),
            "resolved through alternate mitigation" => Some(PortalStatus::ResolvedAlternateMitigation),
            "completed" | "abgeschlossen" | "terminé" => Some(PortalStatus::Completed),
            _ => None,
        }
    }

    /// The status as the English portal writes it.
    pub fn label(self) -> &'static str {
        match self {
            PortalStatus::ToAddress => "To address",
            PortalStatus::Planned => "Planned",
            PortalStatus::RiskAccepted => "Risk accepted",
            PortalStatus::ResolvedThirdParty => "Resolved through third party",
            PortalStatus::ResolvedAlternateMitigation => "Resolved through alternate mitigation",
            PortalStatus::Completed => "Completed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_in_both_notations() {
        assert_eq!(parse_decimal("8.00"), Some(8.0));
        assert_eq!(parse_decimal("8,5"), Some(8.5));
        assert_eq!(parse_decimal(" +3,24 "), Some(3.24));
        assert_eq!(parse_decimal("-1.5"), Some(-1.5));
        assert_eq!(parse_decimal("\u{2212}1,5"), Some(-1.5));
        assert_eq!(parse_decimal("1.234,5"), Some(1234.5));
        assert_eq!(parse_decimal("1,234.5"), Some(1234.5));
        assert_eq!(parse_decimal("1\u{202F}234,5"), Some(1234.5));
        assert_eq!(parse_decimal(".5"), Some(0.5));
    }

    #[test]
    fn non_numbers_are_refused() {
        for text in ["", "ten", "inf", "NaN", "1e5", "1,2,3", "1.2.3", "+", "-", ".", "5 points", "0x10"] {
            assert_eq!(parse_decimal(text), None, "{text}");
        }
    }

    #[test]
    fn points_as_achieved_over_max() {
        assert_eq!(parse_points("5/9"), Ok((5.0, 9.0)));
        assert_eq!(parse_points("4,5 / 9"), Ok((4.5, 9.0)));
        assert_eq!(parse_points(" 0/10 "), Ok((0.0, 10.0)));
        assert_eq!(parse_points("2.25/2.25"), Ok((2.25, 2.25)));
        assert_eq!(parse_points("0/0"), Ok((0.0, 0.0)));
    }

    #[test]
    fn bad_points_say_why() {
        assert_eq!(parse_points("ten/10"), Err(PointsProblem::NotANumber));
        assert_eq!(parse_points("5"), Err(PointsProblem::NotAFraction));
        assert_eq!(parse_points("1/2/3"), Err(PointsProblem::NotAFraction));
        assert_eq!(parse_points("/9"), Err(PointsProblem::NotANumber));
        assert_eq!(parse_points("-1/9"), Err(PointsProblem::Negative));
        assert_eq!(parse_points("10/9"), Err(PointsProblem::AboveMax));
    }

    #[test]
    fn score_impact_percent_or_points() {
        assert_eq!(parse_score_impact("+3.24 %"), Ok(Some(ScoreImpact::Percent(3.24))));
        assert_eq!(parse_score_impact("+3,24 %"), Ok(Some(ScoreImpact::Percent(3.24))));
        assert_eq!(parse_score_impact("3.24%"), Ok(Some(ScoreImpact::Percent(3.24))));
        assert_eq!(parse_score_impact("-1.5 %"), Ok(Some(ScoreImpact::Percent(-1.5))));
        assert_eq!(parse_score_impact("+3,24\u{a0}%"), Ok(Some(ScoreImpact::Percent(3.24))));
        assert_eq!(parse_score_impact("0.50 points"), Ok(Some(ScoreImpact::Points(0.5))));
        assert_eq!(parse_score_impact("8.00"), Ok(Some(ScoreImpact::Points(8.0))));
        assert_eq!(parse_score_impact("8,5"), Ok(Some(ScoreImpact::Points(8.5))));
        assert_eq!(parse_score_impact("4,50 Punkte"), Ok(Some(ScoreImpact::Points(4.5))));
        assert_eq!(parse_score_impact(""), Ok(None));
        assert_eq!(parse_score_impact(" - "), Ok(None));
        assert_eq!(parse_score_impact("high"), Err(()));
        assert_eq!(parse_score_impact("%"), Err(()));
    }

    #[test]
    fn yes_and_no_in_three_languages() {
        for yes in ["Yes", "TRUE", "Ja", "oui", "1"] {
            assert_eq!(parse_yes_no(yes), Ok(Some(true)), "{yes}");
        }
        for no in ["No", "false", "Nein", "Non", "0"] {
            assert_eq!(parse_yes_no(no), Ok(Some(false)), "{no}");
        }
        assert_eq!(parse_yes_no(""), Ok(None));
        assert_eq!(parse_yes_no("maybe"), Err(()));
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(parse_whole("12"), Some(12));
        assert_eq!(parse_whole("12.0"), Some(12));
        assert_eq!(parse_whole("12.5"), None);
        assert_eq!(parse_whole("99999999999"), None);
        assert_eq!(parse_whole("x"), None);
    }

    #[test]
    fn portal_statuses_case_insensitively() {
        assert_eq!(PortalStatus::from_text("To address"), Some(PortalStatus::ToAddress));
        assert_eq!(PortalStatus::from_text(" risk  ACCEPTED "), Some(PortalStatus::RiskAccepted));
        assert_eq!(PortalStatus::from_text("Resolved through third party"), Some(PortalStatus::ResolvedThirdParty));
        assert_eq!(
            PortalStatus::from_text("Resolved through alternate mitigation"),
            Some(PortalStatus::ResolvedAlternateMitigation)
        );
        assert_eq!(PortalStatus::from_text("Completed"), Some(PortalStatus::Completed));
        assert_eq!(PortalStatus::from_text("Geplant"), Some(PortalStatus::Planned));
        assert_eq!(PortalStatus::from_text("Risque accepté"), Some(PortalStatus::RiskAccepted));
        assert_eq!(PortalStatus::from_text("In progress"), None);
        assert_eq!(PortalStatus::from_text(""), None);
    }

    #[test]
    fn every_label_reads_back_as_its_status() {
        for status in [
            PortalStatus::ToAddress,
            PortalStatus::Planned,
            PortalStatus::RiskAccepted,
            PortalStatus::ResolvedThirdParty,
            PortalStatus::ResolvedAlternateMitigation,
            PortalStatus::Completed,
        ] {
            assert_eq!(PortalStatus::from_text(status.label()), Some(status));
        }
    }
}
