//! The published list of children's rehabilitation centres (балаларды оңалту орталықтары),
//! a tab-separated file with the columns `row`, `region_as_printed`, `name_kk` and
//! `email_as_printed`, turned into `Center` messages for `ImportCenters`. Pure: no I/O.
//!
//! The list is real, dirty input, so every row is kept and every repair or doubt is reported as
//! a [`Note`] with the row's number:
//! - **Region.** The printed label is mapped to its ISO 3166-2:KZ code. When the centre's own
//!   name names a region (`Атырау облыстық`, `Батыс Қазақстан облысы`, `БҚО`) or a town in another
//!   region (`Шалқар` is in Aktobe, `Рудненская` in Kostanay), the name wins and the correction is
//!   noted. From row 28 on the printed labels are misaligned, so a label the name cannot confirm
//!   is kept with a note.
//! - **E-mails.** A cell is split on commas and semicolons, and on whitespace when every part
//!   has an `@` (otherwise the cell holds one address broken by a space). Each address is
//!   checked; valid ones are kept, malformed ones, cells with several addresses and empty cells
//!   are noted.
//! - **Kind** from the name: `ЕАО` / `Ерте араласу` is an early intervention centre (ерте араласу
//!   орталығы), `ОО` / `БОО` / `ОБОО` / `оңалту орталығы` a rehabilitation centre, anything else
//!   OTHER.
//! - **Sector** is HEALTH: the list is the health authorities' own.
//! - **Level** from the name: `республикалық` REPUBLICAN, `облыстық` REGIONAL, `қалалық` CITY,
//!   else unspecified. **Ownership**: `ЖШС` (LLP) PRIVATE; `ШЖҚ`/`КМК`/`МКК`/`МҚК` (state
//!   enterprises) STATE; else unspecified.
//! - **Service forms**: `АПП` outpatient, `ТБС` (round-the-clock) stationary; a name with neither
//!   gets its kind's usual form (early intervention: outpatient; others: stationary), because
//!   the list publishes none and the queue needs one.
//! - **Ages**: early intervention 0-3, a name stating `3–18 жас` 3-17, else 0-17.
//! - Names are Kazakh only (`name.ru` empty) and there is no BIN: the registry matches such rows
//!   by Kazakh name and region.

use std::collections::HashSet;
use std::fmt;

use onaltu_proto::common::{CenterKind, CenterSector, LocalizedText};
use onaltu_proto::registry::{AgeRange, Center, CenterLevel, Ownership, ServiceForm};

use crate::regions::{Regions, abbreviation, region_base};

/// The header the published list starts with.
pub const COLUMNS: [&str; 4] = ["row", "region_as_printed", "name_kk", "email_as_printed"];

/// The first row from which the printed region labels are known to be misaligned.
const FIRST_MISALIGNED_ROW: i64 = 28;

/// One centre and the row number it had in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct CentreRow {
    /// Row number as printed in the list's `row` column.
    pub row_number: i64,
    /// The centre as it will be imported.
    pub center: Center,
}

/// Something about a row the operator should know: a repair or a doubt.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    /// Row number the note is about.
    pub row_number: i64,
    /// What was found.
    pub text: String,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.row_number, self.text)
    }
}

/// The parsed list: every row, and the notes in row order.
#[derive(Debug, Clone, Default)]
pub struct ParsedCentres {
    /// Every row of the file, in file order.
    pub rows: Vec<CentreRow>,
    /// Notes, in row order.
    pub notes: Vec<Note>,
}

/// Parses the list. Fails only when the header is not the published one.
pub fn parse(text: &str, regions: &Regions) -> anyhow::Result<ParsedCentres> {
    let mut lines = text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| anyhow::anyhow!("the file is empty"))?
        .split('\t')
        .map(|c| c.trim().trim_start_matches('\u{feff}'))
        .collect();
    if header != COLUMNS {
        anyhow::bail!(
            "the header must be `{}` (tab-separated), found `{}`",
            COLUMNS.join("\\t"),
            header.join("\\t")
        );
    }
    let places = Gazetteer::new(regions);
    let mut parsed = ParsedCentres::default();
    let mut seen = HashSet::new();
    for (index, line) in lines.enumerate() {
        let position = index as i64 + 1;
        let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
        let mut notes = Vec::new();
        let row_number = match cells[0].parse::<i64>() {
            Ok(n) if n > 0 => n,
            _ => {
                notes.push(format!(
                    "row number '{}' is not a number; numbered {position} by its position",
                    cells[0]
                ));
                position
            }
        };
        if !seen.insert(row_number) {
            notes.push("row number appears more than once in the file".to_string());
        }
        if cells.len() > COLUMNS.len() {
            notes.push(format!(
                "{} cells, expected {}; the extra cells are ignored",
                cells.len(),
                COLUMNS.len()
            ));
        }
        let cell = |i: usize| cells.get(i).copied().unwrap_or_default();
        let center = centre(
            row_number,
            cell(1),
            cell(2),
            cell(3),
            regions,
            &places,
            &mut notes,
        );
        parsed
            .notes
            .extend(notes.into_iter().map(|text| Note { row_number, text }));
        parsed.rows.push(CentreRow { row_number, center });
    }
    parsed.notes.sort_by_key(|n| n.row_number);
    Ok(parsed)
}

fn centre(
    row_number: i64,
    label: &str,
    name: &str,
    emails_cell: &str,
    regions: &Regions,
    places: &Gazetteer,
    notes: &mut Vec<String>,
) -> Center {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        notes.push("name missing".to_string());
    }
    let words = words(&name);
    let region_code = region(row_number, label, &name, regions, places, notes);
    let emails = emails(emails_cell, notes);
    let kind = kind(&name, &words);
    Center {
        name: Some(LocalizedText {
            kk: name.clone(),
            ru: String::new(),
        }),
        sector: CenterSector::Health as i32,
        kind: kind as i32,
        level: level(&words) as i32,
        ownership: ownership(&words) as i32,
        region_code,
        emails,
        service_forms: service_forms(kind, &words)
            .into_iter()
            .map(|f| f as i32)
            .collect(),
        ages_served: Some(ages(kind, &words)),
        serves_children: true,
        serves_adults: false,
        ..Center::default()
    }
}

/// The name split into words on anything that is not a letter or digit, so `«Қамқорлық» ОО,`
/// gives `Қамқорлық`, `ОО` and `(ТБС+АПП)` gives `ТБС`, `АПП`.
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn has_word(words: &[String], candidates: &[&str]) -> bool {
    words.iter().any(|w| candidates.contains(&w.as_str()))
}

fn region(
    row_number: i64,
    label: &str,
    name: &str,
    regions: &Regions,
    places: &Gazetteer,
    notes: &mut Vec<String>,
) -> String {
    let printed = if label.is_empty() {
        notes.push("region missing".to_string());
        None
    } else {
        let found = regions.by_label(label);
        if found.is_none() {
            notes.push(format!("region label '{label}' is not a known region"));
        }
        found
    };
    let named = places.find(name);
    let distinct: HashSet<&str> = named.iter().map(|p| p.code).collect();
    match (printed, named.first()) {
        (_, Some(_)) if distinct.len() > 1 => {
            let mentioned: Vec<String> = named.iter().map(|p| format!("'{}'", p.text)).collect();
            notes.push(format!(
                "the name mentions places in several regions ({}); region label kept",
                mentioned.join(", ")
            ));
            printed.map(|r| r.code.clone()).unwrap_or_default()
        }
        (Some(printed), Some(place)) if printed.code == place.code => printed.code.clone(),
        (printed, Some(place)) => {
            let (code, text) = (place.code, &place.text);
            match printed {
                Some(_) => notes.push(format!(
                    "region label '{label}' corrected to {code} from the name ('{text}')"
                )),
                None => notes.push(format!("region {code} taken from the name ('{text}')")),
            }
            code.to_string()
        }
        (Some(printed), _) => {
            if row_number >= FIRST_MISALIGNED_ROW {
                notes.push(format!(
                    "region label '{label}' kept as {}, unconfirmed: labels from row \
                     {FIRST_MISALIGNED_ROW} on are misaligned and the name names no place",
                    printed.code
                ));
            }
            printed.code.clone()
        }
        (None, _) => String::new(),
    }
}

/// A place named in a centre's name.
#[derive(Debug, Clone, PartialEq)]
struct PlaceMention {
    /// Region the place lies in.
    code: &'static str,
    /// The words of the name that named it.
    text: String,
}

/// Places a centre's name may mention, each a run of lower-case words (see [`TOWNS`]).
struct Gazetteer {
    places: Vec<(Vec<String>, &'static str)>,
}

/// Towns and districts whose region is certain, as lower-case words; a trailing `*` matches any
/// ending (Kazakh and Russian inflect: `Рудненская`, `аудандық`). Names that are also a
/// district elsewhere (`Жамбыл ауданы`, `Жетісу ауданы`) or a person's name (`Абай`) are left
/// out: they would mislead.
const TOWNS: &[(&[&str], &str)] = &[
    (&["астана"], "KZ-71"),
    (&["алматы", "қала*"], "KZ-75"),
    (&["шымкент"], "KZ-79"),
    (&["семей"], "KZ-10"),
    (&["көкшетау"], "KZ-11"),
    (&["степногорск"], "KZ-11"),
    (&["бурабай"], "KZ-11"),
    (&["жақсы", "аудан*"], "KZ-11"),
    (&["ақтөбе"], "KZ-15"),
    (&["шалқар"], "KZ-15"),
    (&["қонаев"], "KZ-19"),
    (&["кеген"], "KZ-19"),
    (&["еңбекшіқазақ"], "KZ-19"),
    (&["атырау"], "KZ-23"),
    (&["орал"], "KZ-27"),
    (&["тараз"], "KZ-31"),
    (&["шу", "аудан*"], "KZ-31"),
    // The regional children's hospital in Taraz carries the region's name.
    (&["жамбыл", "көпбейінді"], "KZ-31"),
    (&["талдықорған"], "KZ-33"),
    (&["сарқан"], "KZ-33"),
    (&["қарағанды"], "KZ-35"),
    (&["қостанай"], "KZ-39"),
    (&["рудн*"], "KZ-39"),
    (&["қызылорда"], "KZ-43"),
    (&["жаңақорған"], "KZ-43"),
    (&["ақтау"], "KZ-47"),
    (&["павлодар"], "KZ-55"),
    (&["петропавл"], "KZ-59"),
    (&["түркістан"], "KZ-61"),
    (&["сарыағаш"], "KZ-61"),
    (&["жезқазған"], "KZ-62"),
    (&["өскемен"], "KZ-63"),
];

impl Gazetteer {
    fn new(regions: &Regions) -> Self {
        let mut places: Vec<(Vec<String>, &'static str)> = Vec::new();
        for region in regions.all().iter().filter(|r| !r.is_city) {
            // `Ақмола облысы`, `Ақмола облыстық ...`: the region's name followed by облыс-.
            let mut words: Vec<String> = region_base(&region.name_kk)
                .split_whitespace()
                .map(str::to_lowercase)
                .collect();
            words.push("облыс*".to_string());
            if let Some(code) = static_code(&region.code) {
                places.push((words, code));
            }
        }
        for (words, code) in TOWNS {
            places.push((words.iter().map(|w| w.to_string()).collect(), code));
        }
        // Longest first, so `Түркістан облысы` is one mention rather than two.
        places.sort_by_key(|(words, _)| std::cmp::Reverse(words.len()));
        Self { places }
    }

    fn find(&self, name: &str) -> Vec<PlaceMention> {
        let original = words(name);
        let lower: Vec<String> = original.iter().map(|w| w.to_lowercase()).collect();
        let mut found = Vec::new();
        let mut i = 0;
        while i < lower.len() {
            if let Some(code) = abbreviation(&original[i]).and_then(static_code) {
                found.push(PlaceMention {
                    code,
                    text: original[i].clone(),
                });
                i += 1;
                continue;
            }
            let hit = self.places.iter().find(|(words, _)| {
                lower.len() >= i + words.len()
                    && words
                        .iter()
                        .zip(&lower[i..])
                        .all(|(w, l)| word_matches(w, l))
            });
            match hit {
                Some((words, code)) => {
                    found.push(PlaceMention {
                        code,
                        text: original[i..i + words.len()].join(" "),
                    });
                    i += words.len();
                }
                None => i += 1,
            }
        }
        found
    }
}

fn word_matches(pattern: &str, word: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(stem) => word.starts_with(stem),
        None => word == pattern,
    }
}

/// The region codes as static strings, so mentions can borrow them.
fn static_code(code: &str) -> Option<&'static str> {
    const CODES: [&str; 20] = [
        "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
        "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
    ];
    CODES.iter().copied().find(|c| *c == code)
}

fn emails(cell: &str, notes: &mut Vec<String>) -> Vec<String> {
    let mut addresses = Vec::new();
    for piece in cell
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let parts: Vec<&str> = piece.split_whitespace().collect();
        if parts.iter().all(|p| p.contains('@')) {
            addresses.extend(parts);
        } else {
            // A space inside one address (`obo akbulak@mail.ru`): splitting would keep a
            // stranger's address.
            addresses.push(piece);
        }
    }
    match addresses.len() {
        0 => notes.push("e-mail missing".to_string()),
        1 => {}
        n => notes.push(format!("{n} e-mails in one cell")),
    }
    let mut valid: Vec<String> = Vec::new();
    for address in addresses {
        match check_email(address) {
            Ok(()) if !valid.iter().any(|v| v == address) => valid.push(address.to_string()),
            Ok(()) => notes.push(format!("e-mail '{address}' repeated in the cell")),
            Err(why) => notes.push(format!("e-mail '{address}' is malformed: {why}")),
        }
    }
    valid
}

/// Checks an e-mail address: ASCII only, exactly one `@`, a non-empty local part of letters,
/// digits and `._%+-`, and a domain of at least two dot-separated labels of letters, digits and
/// inner hyphens. The error says which check failed.
pub fn check_email(address: &str) -> Result<(), &'static str> {
    if !address.is_ascii() {
        return Err("non-ASCII characters");
    }
    if address.chars().any(char::is_whitespace) {
        return Err("contains whitespace");
    }
    let (local, domain) = match address.split('@').collect::<Vec<_>>()[..] {
        [local, domain] => (local, domain),
        [_] => return Err("no '@'"),
        _ => return Err("more than one '@'"),
    };
    if local.is_empty() {
        return Err("empty local part");
    }
    if !local
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
    {
        return Err("invalid character in the local part");
    }
    if !domain.contains('.') {
        return Err("domain has no dot");
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("empty label in the domain");
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err("invalid character in the domain");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("domain label starts or ends with a hyphen");
        }
    }
    Ok(())
}

fn kind(name: &str, words: &[String]) -> CenterKind {
    let lower = name.to_lowercase();
    if has_word(words, &["ЕАО"]) || lower.contains("ерте араласу") {
        CenterKind::EarlyIntervention
    } else if has_word(words, &["ОО", "БОО", "ОБОО"]) || lower.contains("оңалту орталығы")
    {
        CenterKind::RehabCentre
    } else {
        CenterKind::Other
    }
}

fn level(words: &[String]) -> CenterLevel {
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let says = |word: &str| lower.iter().any(|w| w == word);
    if says("республикалық") {
        CenterLevel::Republican
    } else if says("облыстық") {
        CenterLevel::Regional
    } else if says("қалалық") {
        CenterLevel::City
    } else {
        CenterLevel::Unspecified
    }
}

fn ownership(words: &[String]) -> Ownership {
    if has_word(words, &["ЖШС"]) {
        Ownership::Private
    } else if has_word(words, &["ШЖҚ", "ШЖК", "КМК", "МКК", "МҚК", "ҚМКК"]) {
        Ownership::State
    } else {
        Ownership::Unspecified
    }
}

fn service_forms(kind: CenterKind, words: &[String]) -> Vec<ServiceForm> {
    let mut forms = Vec::new();
    if has_word(words, &["ТБС"]) {
        forms.push(ServiceForm::Stationary);
    }
    if has_word(words, &["АПП"]) {
        forms.push(ServiceForm::Outpatient);
    }
    if forms.is_empty() {
        forms.push(match kind {
            CenterKind::EarlyIntervention => ServiceForm::Outpatient,
            _ => ServiceForm::Stationary,
        });
    }
    forms
}

fn ages(kind: CenterKind, words: &[String]) -> AgeRange {
    let from_three = words
        .windows(3)
        .any(|w| w[0] == "3" && w[1] == "18" && w[2] == "жас");
    let (min, max) = match kind {
        CenterKind::EarlyIntervention => (0, 3),
        _ if from_three => (3, 17),
        _ => (0, 17),
    };
    AgeRange {
        min_age_years: min,
        max_age_years: Some(max),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The published list as shipped with the registry's seed data.
    const PUBLISHED: &str = include_str!("../../services/registry/seed/rehab_centers_2025.tsv");

    fn published() -> ParsedCentres {
        parse(PUBLISHED, &Regions::builtin().unwrap()).unwrap()
    }

    fn row(parsed: &ParsedCentres, n: i64) -> &Center {
        &parsed
            .rows
            .iter()
            .find(|r| r.row_number == n)
            .unwrap()
            .center
    }

    fn notes_of(parsed: &ParsedCentres, n: i64) -> Vec<String> {
        parsed
            .notes
            .iter()
            .filter(|note| note.row_number == n)
            .map(|note| note.text.clone())
            .collect()
    }

    fn has_note(parsed: &ParsedCentres, n: i64, needle: &str) -> bool {
        notes_of(parsed, n).iter().any(|t| t.contains(needle))
    }

    fn one_row(region: &str, name: &str, emails: &str) -> ParsedCentres {
        let text = format!("{}\n7\t{region}\t{name}\t{emails}\n", COLUMNS.join("\t"));
        parse(&text, &Regions::builtin().unwrap()).unwrap()
    }

    #[test]
    fn every_published_row_is_kept_in_order() {
        let parsed = published();
        let numbers: Vec<i64> = parsed.rows.iter().map(|r| r.row_number).collect();
        assert_eq!(numbers, (1..=74).collect::<Vec<_>>());
        assert!(parsed.rows.iter().all(|r| {
            let c = &r.center;
            !c.name.as_ref().unwrap().kk.is_empty()
                && c.region_code.starts_with("KZ-")
                && c.sector == CenterSector::Health as i32
                && !c.service_forms.is_empty()
                && c.bin.is_empty()
        }));
    }

    #[test]
    fn printed_labels_become_iso_codes() {
        let parsed = published();
        assert_eq!(row(&parsed, 1).region_code, "KZ-71");
        assert_eq!(row(&parsed, 3).region_code, "KZ-75");
        assert_eq!(row(&parsed, 10).region_code, "KZ-79");
        assert_eq!(row(&parsed, 15).region_code, "KZ-10");
        assert_eq!(row(&parsed, 18).region_code, "KZ-11");
        assert_eq!(row(&parsed, 38).region_code, "KZ-63");
        assert_eq!(row(&parsed, 74).region_code, "KZ-62");
        assert!(
            notes_of(&parsed, 1).is_empty(),
            "{:?}",
            notes_of(&parsed, 1)
        );
    }

    #[test]
    fn a_region_named_in_the_name_corrects_the_label() {
        let parsed = published();
        for (n, code) in [
            (17, "KZ-27"), // Батыс Қазақстан облысы, printed Абай
            (26, "KZ-27"), // Батыс Қазақстан облысы, printed Ақтөбе
            (28, "KZ-15"), // Шалқар is in Aktobe
            (33, "KZ-19"), // Алматы облысы, printed Атырау
            (34, "KZ-19"), // Кеген is in Almaty region
            (48, "KZ-33"), // Сарқан is in Jetisu
            (49, "KZ-27"), // БҚО
            (56, "KZ-39"), // Рудненская: Rudny is in Kostanay
            (59, "KZ-43"), // Жаңақорған is in Kyzylorda
            (60, "KZ-47"), // Маңғыстау облыстық
            (61, "KZ-47"),
        ] {
            assert_eq!(row(&parsed, n).region_code, code, "row {n}");
            assert!(
                has_note(&parsed, n, &format!("corrected to {code} from the name")),
                "row {n}: {:?}",
                notes_of(&parsed, n)
            );
        }
    }

    #[test]
    fn a_label_the_name_confirms_needs_no_note_and_an_unconfirmed_one_is_flagged() {
        let parsed = published();
        // Атырау облыстық under Атырау; Алматы облысы under Алматы; Түркістан қалалық.
        for (n, code) in [(35, "KZ-23"), (29, "KZ-19"), (70, "KZ-61"), (45, "KZ-31")] {
            assert_eq!(row(&parsed, n).region_code, code, "row {n}");
            assert!(
                !has_note(&parsed, n, "region"),
                "row {n}: {:?}",
                notes_of(&parsed, n)
            );
        }
        assert_eq!(row(&parsed, 37).region_code, "KZ-23");
        assert!(has_note(
            &parsed,
            37,
            "region label 'Атырау' kept as KZ-23, unconfirmed"
        ));
        // Before row 28 the labels are aligned: no doubt raised.
        assert!(!has_note(&parsed, 15, "unconfirmed"));
    }

    #[test]
    fn dirty_e_mails_are_reported_and_valid_ones_kept() {
        let parsed = published();
        assert_eq!(row(&parsed, 1).emails, ["gdb1_glav@mail.ru"]);
        assert!(row(&parsed, 41).emails.is_empty());
        assert!(
            notes_of(&parsed, 41)
                .contains(&"e-mail 'тарaz-odb@mail.ru' is malformed: non-ASCII characters".into())
        );
        assert_eq!(row(&parsed, 48).emails.len(), 3);
        assert!(notes_of(&parsed, 48).contains(&"3 e-mails in one cell".into()));
        assert_eq!(
            row(&parsed, 65).emails,
            ["perinatal_mob@sso.gov.kz", "opesko_om@mail.med.mail.kz"]
        );
        assert!(notes_of(&parsed, 65).contains(&"2 e-mails in one cell".into()));
        assert!(notes_of(&parsed, 9).contains(&"e-mail missing".into()));
        // One address broken by a space: neither half is kept.
        assert!(row(&parsed, 69).emails.is_empty());
        assert!(has_note(
            &parsed,
            69,
            "'obo akbulak@mail.ru' is malformed: contains whitespace"
        ));
        let missing = parsed
            .notes
            .iter()
            .filter(|n| n.text == "e-mail missing")
            .count();
        assert_eq!(missing, 37);
    }

    #[test]
    fn e_mail_checks_name_the_failure() {
        assert_eq!(check_email("info@baldauren-drc.kz"), Ok(()));
        assert_eq!(check_email("Orc-mid@mail.ru"), Ok(()));
        assert_eq!(check_email("opesko"), Err("no '@'"));
        assert_eq!(check_email("a@@b.kz"), Err("more than one '@'"));
        assert_eq!(check_email("@mail.ru"), Err("empty local part"));
        assert_eq!(check_email("x@kz"), Err("domain has no dot"));
        assert_eq!(check_email("x@mail..kz"), Err("empty label in the domain"));
        assert_eq!(
            check_email("x@-mail.kz"),
            Err("domain label starts or ends with a hyphen")
        );
        assert_eq!(check_email("x y@mail.kz"), Err("contains whitespace"));
        assert_eq!(
            check_email("x(y)@mail.kz"),
            Err("invalid character in the local part")
        );
    }

    #[test]
    fn kind_level_ownership_and_forms_come_from_the_name() {
        let parsed = published();
        let kind = |n| CenterKind::try_from(row(&parsed, n).kind).unwrap();
        assert_eq!(kind(2), CenterKind::EarlyIntervention);
        assert_eq!(kind(64), CenterKind::EarlyIntervention);
        assert_eq!(kind(1), CenterKind::RehabCentre);
        assert_eq!(kind(68), CenterKind::RehabCentre); // ОБОО
        assert_eq!(kind(11), CenterKind::RehabCentre); // «Оңалту орталығы №1»
        assert_eq!(kind(7), CenterKind::Other);
        assert_eq!(row(&parsed, 1).level, CenterLevel::City as i32);
        assert_eq!(row(&parsed, 29).level, CenterLevel::Regional as i32);
        assert_eq!(row(&parsed, 8).ownership, Ownership::Private as i32);
        assert_eq!(row(&parsed, 4).ownership, Ownership::State as i32);
        let forms = |n| row(&parsed, n).service_forms.clone();
        assert_eq!(
            forms(41),
            [
                ServiceForm::Stationary as i32,
                ServiceForm::Outpatient as i32
            ]
        );
        assert_eq!(forms(21), [ServiceForm::Stationary as i32]); // no marker: a rehab centre
        assert_eq!(forms(28), [ServiceForm::Outpatient as i32]);
        assert_eq!(forms(36), [ServiceForm::Outpatient as i32]);
        assert_eq!(row(&parsed, 2).ages_served.unwrap().max_age_years, Some(3));
        assert_eq!(row(&parsed, 63).ages_served.unwrap().min_age_years, 3);
        assert_eq!(row(&parsed, 1).ages_served.unwrap().max_age_years, Some(17));
    }

    #[test]
    fn broken_rows_are_kept_with_notes() {
        let parsed = one_row("", "", "");
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].row_number, 7);
        assert_eq!(
            notes_of(&parsed, 7),
            ["name missing", "region missing", "e-mail missing"]
        );
        let parsed = one_row("Марс", "«Үміт» ОО", "a@b.kz");
        assert_eq!(parsed.rows[0].center.region_code, "");
        assert!(has_note(
            &parsed,
            7,
            "region label 'Марс' is not a known region"
        ));
        let parsed = one_row("Марс", "Атырау облыстық «Үміт» ОО", "a@b.kz");
        assert_eq!(parsed.rows[0].center.region_code, "KZ-23");
        assert!(has_note(&parsed, 7, "region KZ-23 taken from the name"));
    }

    #[test]
    fn a_name_naming_two_regions_keeps_the_label() {
        let parsed = one_row("Абай", "Атырау облыстық, Маңғыстау облыстық «Үміт» ОО", "");
        assert_eq!(parsed.rows[0].center.region_code, "KZ-10");
        assert!(has_note(&parsed, 7, "several regions"));
    }

    #[test]
    fn a_wrong_header_is_refused() {
        assert!(parse("a\tb\n1\t2\n", &Regions::builtin().unwrap()).is_err());
    }
}
