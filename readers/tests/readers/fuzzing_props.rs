//! The fuzz targets of `readers::fuzzing` under proptest, in every `cargo test`: arbitrary bytes, and real
//! fixtures with random damage (flipped bits, overwritten bytes, cuts, inserted, removed and repeated runs,
//! numbers swapped for extreme ones). Case counts are bounded so this stays a few seconds in a debug build;
//! `scripts/fuzz-smoke` runs the same targets coverage-guided for much longer. A failing case here belongs in
//! `tests/fixtures/fuzz/` with a regression test in `fuzzing.rs`.

use proptest::prelude::*;
use proptest::test_runner::Config;
use readers::fuzzing::{self, TARGETS, Target};

/// Real inputs per target, the starting points for damage.
const SEEDS: &[(Target, &[u8])] = &[
    (fuzzing::portal_csv, include_bytes!("../fixtures/export-en-bom-crlf.csv")),
    (fuzzing::portal_csv, include_bytes!("../fixtures/export-de-cp1252.csv")),
    (fuzzing::portal_csv, include_bytes!("../fixtures/export-utf16le-tab.csv")),
    (fuzzing::portal_xlsx, include_bytes!("../fixtures/export-parts.xml")),
    (fuzzing::portal_xlsx, include_bytes!("../fixtures/export-stored.xlsx")),
    (fuzzing::portal_xlsx, include_bytes!("../fixtures/export.xlsx")),
    (fuzzing::graph_scores, include_bytes!("../fixtures/graph-scores-page.json")),
    (fuzzing::graph_profiles, include_bytes!("../fixtures/graph-profiles-page.json")),
    (fuzzing::arm_secure_scores, include_bytes!("../fixtures/arm-secure-scores.json")),
    (fuzzing::arm_score_controls, include_bytes!("../fixtures/arm-score-controls.json")),
    (fuzzing::triage_workbook, include_bytes!("../fixtures/triage-parts.xml")),
    (fuzzing::triage_workbook, include_bytes!("../fixtures/triage-stored.xlsx")),
];

/// Text that tends to matter to these parsers: delimiters, quotes, line ends, markers, extreme numbers, far
/// cells, counts.
const TOKENS: &[&str] = &[
    "\"",
    ",",
    ";",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\0",
    "/",
    "%",
    "\u{FEFF}",
    "sep=;\n",
    "-1",
    "1e400",
    "NaN",
    "inf",
    "99999999999999999999",
    "0/0",
    "\\ud800",
    "null",
    "[]",
    "{}",
    "\"value\":",
    "XFD1048576",
    "t=\"s\"",
    "<f>1</f>",
    "uniqueCount=\"4000000000\"",
    "<c r=\"A1\" t=\"inlineStr\"><is><t>x</t></is></c>",
];

/// One kind of damage; positions are taken modulo the input's length when applied.
#[derive(Debug, Clone)]
enum Damage {
    Flip {
        at: usize,
        bit: u8,
    },
    Set {
        at: usize,
        byte: u8,
    },
    Cut {
        at: usize,
    },
    Insert {
        at: usize,
        token: usize,
    },
    Remove {
        at: usize,
        len: usize,
    },
    Repeat {
        at: usize,
        len: usize,
        times: usize,
    },
    /// The run of ASCII digits at or after `at` becomes `digits`.
    Number {
        at: usize,
        digits: String,
    },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Damage::Flip { at, bit }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Damage::Set { at, byte }),
        any::<usize>().prop_map(|at| Damage::Cut { at }),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Damage::Insert { at, token }),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Damage::Remove { at, len }),
        (any::<usize>(), 1usize..64, 1usize..8).prop_map(|(at, len, times)| Damage::Repeat { at, len, times }),
        (any::<usize>(), "[0-9]{1,24}").prop_map(|(at, digits)| Damage::Number { at, digits }),
    ]
}

fn apply(bytes: &mut Vec<u8>, damage: &Damage) {
    let place = |at: usize, bytes: &Vec<u8>| at % (bytes.len() + 1);
    match damage {
        Damage::Flip { at, bit } if !bytes.is_empty() => {
            let at = at % bytes.len();
            bytes[at] ^= 1 << bit;
        }
        Damage::Set { at, byte } if !bytes.is_empty() => {
            let at = at % bytes.len();
            bytes[at] = *byte;
        }
        Damage::Cut { at } => bytes.truncate(place(*at, bytes)),
        Damage::Insert { at, token } => {
            let at = place(*at, bytes);
            bytes.splice(at..at, TOKENS[*token].bytes());
        }
        Damage::Remove { at, len } => {
            let at = place(*at, bytes);
            bytes.drain(at..(at + len).min(bytes.len()));
        }
        Damage::Repeat { at, len, times } => {
            let at = place(*at, bytes);
            let run = bytes[at..(at + len).min(bytes.len())].to_vec();
            bytes.splice(at..at, run.repeat(*times));
        }
        Damage::Number { at, digits } => {
            let start = place(*at, bytes);
            let Some(first) = bytes[start..].iter().position(u8::is_ascii_digit).map(|offset| start + offset) else {
                return;
            };
            let end = bytes[first..].iter().position(|byte| !byte.is_ascii_digit()).map_or(bytes.len(), |n| first + n);
            bytes.splice(first..end, digits.bytes());
        }
        Damage::Flip { .. } | Damage::Set { .. } => {}
    }
}

fn config(cases: u32) -> Config {
    // No regression files next to the sources: a failure is kept as a fixture by hand (see the module doc).
    Config { cases, failure_persistence: None, ..Config::default() }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_bytes_keep_every_invariant(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
        for (_, target) in TARGETS {
            target(&data);
        }
    }

    #[test]
    fn arbitrary_text_keeps_every_invariant(text in "(?s).{0,512}") {
        // Mostly printable text gets further into the CSV and JSON readers than random bytes.
        for (_, target) in TARGETS {
            target(text.as_bytes());
        }
    }
}

proptest! {
    #![proptest_config(config(2048))]

    #[test]
    fn damaged_fixtures_keep_their_readers_invariants(
        seed in 0..SEEDS.len(),
        damages in proptest::collection::vec(damage(), 1..6),
    ) {
        let (target, bytes) = SEEDS[seed];
        let mut bytes = bytes.to_vec();
        for damage in &damages {
            apply(&mut bytes, damage);
        }
        target(&bytes);
    }
}
