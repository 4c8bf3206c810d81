//! The persons CSV (мүгедектігі бар адамдар тізімі) for `onaltu import-persons`: one person and
//! their current assessment per row. Pure: no I/O.
//!
//! Comma-separated, UTF-8, with a header row naming the columns (any order):
//!
//! | column | value |
//! |---|---|
//! | `iin` | 12-digit IIN (ЖСН) |
//! | `surname`, `given_name`, `patronymic` | names; patronymic may be empty |
//! | `birth_date` | `YYYY-MM-DD` (or `DD.MM.YYYY`); may be empty: taken from the IIN |
//! | `sex` | `M` or `F` (also `М`/`Ж`); may be empty: taken from the IIN |
//! | `region_code` | ISO 3166-2:KZ, e.g. `KZ-71` |
//! | `district`, `address` | text |
//! | `phone` | `+7` and 10 digits, or empty |
//! | `language` | `kk` or `ru`, or empty |
//! | `wheelchair_user`, `needs_escort`, `visual`, `hearing`, `sign_language`, `intellectual` | `0`/`1` (empty is 0) |
//! | `group` | `GROUP_1`, `GROUP_2`, `GROUP_3`, `CHILD_UNDER_7`, `CHILD_7_TO_18` (legacy `CHILD_UNDER_16`, `CHILD_16_TO_18`) |
//! | `cause` | `GENERAL_ILLNESS`, `SINCE_CHILDHOOD`, `CONGENITAL`, `WORK_INJURY`, `OCCUPATIONAL_DISEASE`, `OTHER` |
//! | `nosology` | `CONGENITAL_MALFORMATIONS`, `NERVOUS_SYSTEM`, `MENTAL_DISORDERS`, `ENDOCRINE`, `CIRCULATORY`, `MALIGNANT_NEOPLASM`, `INJURY`, `OTHER` |
//! | `established_on` | date the disability was established |
//! | `re_examination_due` *(optional column)* | date of re-examination; empty or `indefinite` for an indefinite (мерзімсіз) assessment |
//! | `ipr_valid_until` *(optional column)* | last day of the rehabilitation programme (ЖОБ/ИПР) |
//!
//! Further optional columns: `ipr_valid_from` (default `established_on`), `ipr_number`,
//! `ipr_service_forms` (`STATIONARY;OUTPATIENT;...`, separated by `;` or `|`),
//! `decision_number`, `work_capacity_loss_percent` (0-100), `latitude`, `longitude`,
//! `legally_incapacitated` (`0`/`1`). A row whose `group`, `cause`, `nosology` and
//! `established_on` are all empty carries no assessment.
//!
//! Row numbers are the file's line numbers (the header is line 1). A row that cannot be read
//! (wrong number of cells, a date or code that does not parse) is rejected here with every reason
//! and not sent; everything else is the server's to judge.

use std::collections::HashMap;

use chrono::NaiveDate;
use csv::StringRecord;
use onaltu_proto::common::{GeoPoint, Language, Sex};
use onaltu_proto::registry::{
    Assessment, DisabilityCause, DisabilityGroup, ImportPersonsRequest, Needs, NosologyClass,
    Person, RehabilitationProgramme, RowViolation, ServiceForm,
};

use crate::dates::to_proto;

/// Columns every file must have.
pub const REQUIRED: [&str; 21] = [
    "iin",
    "surname",
    "given_name",
    "patronymic",
    "birth_date",
    "sex",
    "region_code",
    "district",
    "address",
    "phone",
    "language",
    "wheelchair_user",
    "needs_escort",
    "visual",
    "hearing",
    "sign_language",
    "intellectual",
    "group",
    "cause",
    "nosology",
    "established_on",
];

/// Columns a file may have.
pub const OPTIONAL: [&str; 10] = [
    "re_examination_due",
    "ipr_valid_until",
    "ipr_valid_from",
    "ipr_number",
    "ipr_service_forms",
    "decision_number",
    "work_capacity_loss_percent",
    "latitude",
    "longitude",
    "legally_incapacitated",
];

/// Where each column is, from the header.
#[derive(Debug, Clone)]
pub struct Columns {
    index: HashMap<&'static str, usize>,
    width: usize,
}

impl Columns {
    /// Reads the header; fails on a missing required column, an unknown or repeated one.
    pub fn from_header(header: &StringRecord) -> anyhow::Result<Self> {
        let mut index = HashMap::new();
        let mut unknown = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let name = name.trim().trim_start_matches('\u{feff}').to_lowercase();
            match REQUIRED.iter().chain(&OPTIONAL).find(|c| **c == name) {
                Some(column) => {
                    if index.insert(*column, i).is_some() {
                        anyhow::bail!("column {name} appears twice in the header");
                    }
                }
                None => unknown.push(name),
            }
        }
        if !unknown.is_empty() {
            anyhow::bail!(
                "unknown columns in the header: {} (known: {}, {})",
                unknown.join(", "),
                REQUIRED.join(", "),
                OPTIONAL.join(", ")
            );
        }
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|c| !index.contains_key(c))
            .collect();
        if !missing.is_empty() {
            anyhow::bail!("missing columns in the header: {}", missing.join(", "));
        }
        Ok(Self {
            index,
            width: header.len(),
        })
    }
}

/// One row's cells by column name, collecting every reason the row cannot be read.
struct Row<'a> {
    columns: &'a Columns,
    record: &'a StringRecord,
    violations: Vec<RowViolation>,
}

impl Row<'_> {
    fn text(&self, column: &str) -> String {
        self.columns
            .index
            .get(column)
            .and_then(|i| self.record.get(*i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    }

    fn reject(&mut self, column: &str, description: String) {
        self.violations.push(RowViolation {
            field: column.to_string(),
            description,
        });
    }

    /// A cell through `parse`, which returns `None` for a value it does not accept; an empty
    /// cell is `Ok(None)`.
    fn parsed<T>(
        &mut self,
        column: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let text = self.text(column);
        if text.is_empty() {
            return None;
        }
        let value = parse(&text);
        if value.is_none() {
            self.reject(column, format!("'{text}' is not {expected}"));
        }
        value
    }

    fn date(&mut self, column: &str) -> Option<NaiveDate> {
        self.parsed(column, "a date (YYYY-MM-DD or DD.MM.YYYY)", parse_date)
    }

    fn flag(&mut self, column: &str) -> bool {
        self.parsed(column, "0 or 1", parse_flag).unwrap_or(false)
    }
}

/// Parses `YYYY-MM-DD` or `DD.MM.YYYY`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

fn parse_flag(s: &str) -> Option<bool> {
    match s.to_lowercase().as_str() {
        "1" | "true" | "yes" => Some(true),
        "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

fn parse_sex(s: &str) -> Option<Sex> {
    match s.to_uppercase().as_str() {
        "M" | "М" | "MALE" => Some(Sex::Male),
        "F" | "Ж" | "FEMALE" => Some(Sex::Female),
        _ => None,
    }
}

fn parse_language(s: &str) -> Option<Language> {
    match s.to_lowercase().as_str() {
        "kk" => Some(Language::Kk),
        "ru" => Some(Language::Ru),
        _ => None,
    }
}

/// A contract enum value named without its prefix (`GROUP_1`) or with it
/// (`DISABILITY_GROUP_GROUP_1`), case-insensitively.
fn enum_value<E: Into<i32>>(
    s: &str,
    prefix: &str,
    from_name: impl Fn(&str) -> Option<E>,
) -> Option<i32> {
    let name = s.trim().to_uppercase();
    let full = if name.starts_with(prefix) {
        name
    } else {
        format!("{prefix}{name}")
    };
    from_name(&full).map(Into::into).filter(|v| *v != 0)
}

fn parse_forms(s: &str) -> Option<Vec<i32>> {
    s.split(['|', ';'])
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| enum_value(f, "SERVICE_FORM_", ServiceForm::from_str_name))
        .collect()
}

/// Turns one record into an `ImportPersons` row, or rejects it with every reason.
pub fn parse_row(
    columns: &Columns,
    record: &StringRecord,
    row_number: i64,
    validate_only: bool,
) -> Result<ImportPersonsRequest, Vec<RowViolation>> {
    if record.len() != columns.width {
        return Err(vec![RowViolation {
            field: "row".to_string(),
            description: format!(
                "has {} cells, the header has {}",
                record.len(),
                columns.width
            ),
        }]);
    }
    let mut row = Row {
        columns,
        record,
        violations: Vec::new(),
    };
    let birth_date = row.date("birth_date");
    let sex = row.parsed("sex", "M or F", parse_sex);
    let language = row.parsed("language", "kk or ru", parse_language);
    let needs = Needs {
        wheelchair_user: row.flag("wheelchair_user"),
        needs_escort: row.flag("needs_escort"),
        visual_impairment: row.flag("visual"),
        hearing_impairment: row.flag("hearing"),
        sign_language: row.flag("sign_language"),
        intellectual_disability: row.flag("intellectual"),
    };
    let latitude = row.parsed("latitude", "a number", |s| s.parse::<f64>().ok());
    let longitude = row.parsed("longitude", "a number", |s| s.parse::<f64>().ok());
    let location = match (latitude, longitude) {
        (Some(latitude), Some(longitude)) => Some(GeoPoint {
            latitude,
            longitude,
        }),
        (None, None) => None,
        _ => {
            row.reject(
                "latitude",
                "latitude and longitude must be given together".to_string(),
            );
            None
        }
    };
    let legally_incapacitated = row.flag("legally_incapacitated");
    let person = Person {
        iin: row.text("iin"),
        surname: row.text("surname"),
        given_name: row.text("given_name"),
        patronymic: row.text("patronymic"),
        birth_date: birth_date.map(to_proto),
        sex: sex.unwrap_or(Sex::Unspecified) as i32,
        region_code: row.text("region_code").to_uppercase(),
        district: row.text("district"),
        address: row.text("address"),
        location,
        phone: row.text("phone"),
        preferred_language: language.unwrap_or(Language::Unspecified) as i32,
        needs: Some(needs),
        legally_incapacitated,
        ..Person::default()
    };
    let assessment = assessment(&mut row);
    if row.violations.is_empty() {
        Ok(ImportPersonsRequest {
            row_number,
            person: Some(person),
            assessment,
            validate_only,
        })
    } else {
        Err(row.violations)
    }
}

fn assessment(row: &mut Row<'_>) -> Option<Assessment> {
    let stated = ["group", "cause", "nosology", "established_on"]
        .iter()
        .any(|c| !row.text(c).is_empty());
    if !stated {
        return None;
    }
    let group = row.parsed(
        "group",
        "a disability group (GROUP_1..3, CHILD_UNDER_7, CHILD_7_TO_18)",
        |s| enum_value(s, "DISABILITY_GROUP_", DisabilityGroup::from_str_name),
    );
    let cause = row.parsed(
        "cause",
        "a cause (GENERAL_ILLNESS, SINCE_CHILDHOOD, ...)",
        |s| enum_value(s, "DISABILITY_CAUSE_", DisabilityCause::from_str_name),
    );
    let nosology = row.parsed("nosology", "a nosology class (NERVOUS_SYSTEM, ...)", |s| {
        enum_value(s, "NOSOLOGY_CLASS_", NosologyClass::from_str_name)
    });
    let established = row.date("established_on");
    let due_text = row.text("re_examination_due");
    let indefinite = due_text.is_empty()
        || matches!(
            due_text.to_lowercase().as_str(),
            "indefinite" | "мерзімсіз" | "бессрочно"
        );
    let due = if indefinite {
        None
    } else {
        row.date("re_examination_due")
    };
    let work_capacity_loss_percent =
        row.parsed("work_capacity_loss_percent", "a percentage 0-100", |s| {
            s.trim_end_matches('%')
                .parse::<i32>()
                .ok()
                .filter(|p| (0..=100).contains(p))
        });
    let ipr_until = row.date("ipr_valid_until");
    let ipr_from = row.date("ipr_valid_from");
    let ipr_number = row.text("ipr_number");
    let forms = row
        .parsed(
            "ipr_service_forms",
            "a list of service forms (STATIONARY;OUTPATIENT;...)",
            parse_forms,
        )
        .unwrap_or_default();
    let programme =
        (ipr_until.is_some() || ipr_from.is_some() || !ipr_number.is_empty() || !forms.is_empty())
            .then(|| RehabilitationProgramme {
                number: ipr_number,
                valid_from: ipr_from.or(established).map(to_proto),
                valid_until: ipr_until.map(to_proto),
                service_forms: forms,
            });
    Some(Assessment {
        decision_number: row.text("decision_number"),
        group: group.unwrap_or(0),
        cause: cause.unwrap_or(0),
        nosology_class: nosology.unwrap_or(0),
        established_on: established.map(to_proto),
        re_examination_due: due.map(to_proto),
        indefinite,
        work_capacity_loss_percent,
        rehabilitation_programme: programme,
        ..Assessment::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "iin,surname,given_name,patronymic,birth_date,sex,region_code,district,address,phone,language,wheelchair_user,needs_escort,visual,hearing,sign_language,intellectual,group,cause,nosology,established_on,re_examination_due,ipr_valid_until";

    fn read(text: &str) -> (Columns, Vec<StringRecord>) {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let columns = Columns::from_header(reader.headers().unwrap()).unwrap();
        let records = reader.records().map(Result::unwrap).collect();
        (columns, records)
    }

    fn one(line: &str) -> Result<ImportPersonsRequest, Vec<RowViolation>> {
        let (columns, records) = read(&format!("{HEADER}\n{line}\n"));
        parse_row(&columns, &records[0], 2, false)
    }

    #[test]
    fn a_full_row_becomes_a_person_and_assessment() {
        let row = one(
            "150101600013,Ахметова,Аружан,Ерланқызы,2015-01-01,F,kz-71,Есіл,\"Абай даңғылы, 5-үй\",+77011234567,kk,1,1,0,0,0,0,CHILD_7_TO_18,CONGENITAL,NERVOUS_SYSTEM,2024-03-01,2026-03-01,2026-03-01",
        )
        .unwrap();
        let person = row.person.unwrap();
        assert_eq!(person.surname, "Ахметова");
        assert_eq!(person.region_code, "KZ-71");
        assert_eq!(person.address, "Абай даңғылы, 5-үй");
        assert_eq!(person.sex, Sex::Female as i32);
        assert_eq!(person.preferred_language, Language::Kk as i32);
        assert!(person.needs.unwrap().wheelchair_user);
        let a = row.assessment.unwrap();
        assert_eq!(a.group, DisabilityGroup::Child7To18 as i32);
        assert_eq!(a.cause, DisabilityCause::Congenital as i32);
        assert_eq!(a.nosology_class, NosologyClass::NervousSystem as i32);
        assert!(!a.indefinite);
        assert_eq!(a.re_examination_due.unwrap().year, 2026);
        let ipr = a.rehabilitation_programme.unwrap();
        assert_eq!(ipr.valid_from.unwrap().year, 2024);
        assert_eq!(row.row_number, 2);
    }

    #[test]
    fn an_empty_re_examination_date_is_indefinite_and_no_assessment_columns_mean_none() {
        let row = one(
            "800101300012,Иванов,Иван,Иванович,01.01.1980,М,KZ-75,Алмалы,,,ru,0,0,0,0,0,0,GROUP_1,GENERAL_ILLNESS,CIRCULATORY,2020-05-05,,",
        )
        .unwrap();
        let a = row.assessment.unwrap();
        assert!(a.indefinite && a.re_examination_due.is_none());
        assert_eq!(row.person.unwrap().birth_date.unwrap().year, 1980);
        let row = one("800101300012,Иванов,Иван,,,,KZ-75,,,,,,,,,,,,,,,,").unwrap();
        assert!(row.assessment.is_none());
    }

    #[test]
    fn unreadable_rows_are_rejected_with_every_reason() {
        let errors = one(
            "150101600013,А,Б,,2015-13-01,X,KZ-71,,,,de,2,0,0,0,0,0,GROUP_9,CONGENITAL,NERVOUS_SYSTEM,yesterday,,",
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "birth_date",
                "sex",
                "language",
                "wheelchair_user",
                "group",
                "established_on"
            ]
        );
        assert_eq!(
            errors[0].description,
            "'2015-13-01' is not a date (YYYY-MM-DD or DD.MM.YYYY)"
        );
        let errors = one("150101600013,А,Б").unwrap_err();
        assert_eq!(errors[0].field, "row");
        assert_eq!(errors[0].description, "has 3 cells, the header has 23");
    }

    #[test]
    fn the_example_file_reads_without_rejections() {
        let (columns, records) = read(include_str!("../examples/persons.csv"));
        assert_eq!(records.len(), 4);
        for (i, record) in records.iter().enumerate() {
            let row = parse_row(&columns, record, i as i64 + 2, false).unwrap();
            let iin = &row.person.as_ref().unwrap().iin;
            let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
            let decoded = onaltu_kzid::Iin::parse(iin, today).unwrap();
            let birth = row.person.unwrap().birth_date.unwrap();
            assert_eq!(crate::dates::from_proto(&birth), Some(decoded.birth_date));
            assert!(row.assessment.is_some());
        }
    }

    #[test]
    fn headers_are_checked() {
        let header =
            |h: &str| Columns::from_header(&StringRecord::from(h.split(',').collect::<Vec<_>>()));
        assert!(header(HEADER).is_ok());
        assert!(header(&format!("{HEADER},ipr_service_forms,latitude,longitude")).is_ok());
        let err = header(&format!("{HEADER},shoe_size"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown columns in the header: shoe_size"),
            "{err}"
        );
        let err = header("iin,surname").unwrap_err().to_string();
        assert!(
            err.starts_with("missing columns in the header: given_name"),
            "{err}"
        );
        assert!(header(&format!("{HEADER},iin")).is_err());
    }

    #[test]
    fn service_forms_and_full_enum_names_are_read() {
        let (columns, records) = read(&format!(
            "{HEADER},ipr_service_forms\n150101600013,А,Б,,,,KZ-71,,,,,,,,,,,DISABILITY_GROUP_CHILD_7_TO_18,congenital,OTHER,2024-03-01,2025-03-01,,STATIONARY;OUTPATIENT\n"
        ));
        let row = parse_row(&columns, &records[0], 2, true).unwrap();
        assert!(row.validate_only);
        let a = row.assessment.unwrap();
        assert_eq!(a.group, DisabilityGroup::Child7To18 as i32);
        assert_eq!(
            a.rehabilitation_programme.unwrap().service_forms,
            [
                ServiceForm::Stationary as i32,
                ServiceForm::Outpatient as i32
            ]
        );
    }
}
