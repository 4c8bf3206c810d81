//! `onaltu import-persons` against the real registry: the example file imports, a row that
//! cannot be read and a row the registry refuses are both reported by their line numbers and
//! write nothing, and importing the same rows again changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use common::{Harness, PERSONS_CSV, TempFile};
use onaltu_kzid::{Iin, Sex};
use onaltu_proto::registry as pb;

fn iin(y: i32, m: u32, d: u32, sex: Sex, serial: u32) -> String {
    Iin::generate(NaiveDate::from_ymd_opt(y, m, d).unwrap(), sex, serial).unwrap()
}

/// The IINs of the example file, in line order.
fn example_iins() -> Vec<String> {
    std::fs::read_to_string(PERSONS_CSV)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

async fn find(h: &Harness, iin: &str) -> Result<pb::Person, tonic::Status> {
    h.client()
        .find_person_by_iin(pb::FindPersonByIinRequest { iin: iin.into() })
        .await
        .map(|r| r.into_inner().person.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_rows_are_reported_by_line_and_write_nothing_and_a_re_import_changes_nothing() {
    let h = Harness::start().await;
    let example = std::fs::read_to_string(PERSONS_CSV).unwrap();
    assert_eq!(example.lines().count(), 5, "a header and four persons");
    // Line 6: a date that does not exist, rejected here. Line 7: an IIN whose check digit is
    // wrong, rejected by the registry. Line 8: a good row after them.
    let unreadable = iin(1992, 3, 15, Sex::Male, 14);
    let valid = iin(1988, 6, 2, Sex::Female, 77);
    let mut wrong_check_digit = valid.clone();
    let last = wrong_check_digit.pop().unwrap().to_digit(10).unwrap();
    wrong_check_digit.push(char::from_digit((last + 1) % 10, 10).unwrap());
    assert!(Iin::parse(&wrong_check_digit, NaiveDate::MAX).is_err());
    let good = iin(2012, 11, 20, Sex::Male, 5);
    let tail = [
        format!(
            "{unreadable},Серікбаев,Асқар,,1992-02-30,M,KZ-71,Есіл,,,kk,0,0,0,0,0,0,GROUP_2,GENERAL_ILLNESS,CIRCULATORY,2025-01-10,2026-01-10,,,,,"
        ),
        format!(
            "{wrong_check_digit},Омарова,Дана,,,,KZ-75,,,,ru,0,0,0,0,0,0,GROUP_3,GENERAL_ILLNESS,ENDOCRINE,2025-03-01,2026-03-01,,,,,"
        ),
        format!(
            "{good},Жақсылықов,Нұрлан,,,,KZ-71,Алматы,,,kk,0,0,0,1,1,0,CHILD_7_TO_18,CONGENITAL,OTHER,2024-09-01,2026-12-01,2026-12-01,OUTPATIENT,,,"
        ),
    ];
    let file = TempFile::new("persons.csv", &format!("{example}{}\n", tail.join("\n")));

    let run = h
        .onaltu(&["import-persons", file.as_str(), "--validate-only"])
        .await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.line_starting("persons (validated only, nothing written): received 6,")
            .ends_with("rejected 2 (1 of them here, not sent)")
    );
    assert_eq!(
        h.statistics().await.persons_total,
        0,
        "validation writes nothing"
    );

    let run = h
        .onaltu(&["import-persons", file.as_str(), "--batch-size", "2"])
        .await;
    assert_eq!(
        run.code,
        Some(1),
        "rejected rows fail the import: {}",
        run.stderr
    );
    assert!(run.has_line(
        "persons: received 6, created 5, updated 0, unchanged 0, rejected 2 (1 of them here, not sent)"
    ));
    assert!(run.has_line("rejected rows:"));
    let line6 = run.line_starting("  row 6: ");
    assert!(line6.contains("birth_date"), "{line6}");
    assert!(line6.contains("1992-02-30"), "{line6}");
    let line7 = run.line_starting("  row 7: ");
    assert!(line7.contains("person.iin"), "{line7}");
    assert_eq!(
        run.stdout.matches("  row ").count(),
        2,
        "only lines 6 and 7"
    );

    let status = find(&h, &unreadable).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound, "line 6 was not sent");
    assert!(
        find(&h, &wrong_check_digit).await.is_err(),
        "line 7 was not written"
    );
    let stored = find(&h, &good).await.unwrap();
    assert_eq!(stored.surname, "Жақсылықов");
    assert_eq!(stored.region_code, "KZ-71");
    let iins = example_iins();
    let first = find(&h, &iins[0]).await.unwrap();
    assert_eq!(first.surname, "Ахметова");
    assert_eq!(first.address, "Мәңгілік Ел даңғылы, 12-үй, 45-пәтер");
    let assessment = first.current_assessment.clone().unwrap();
    assert_eq!(assessment.group, pb::DisabilityGroup::Child7To18 as i32);
    assert_eq!(
        assessment.nosology_class,
        pb::NosologyClass::NervousSystem as i32
    );
    let indefinite = find(&h, &iins[3])
        .await
        .unwrap()
        .current_assessment
        .unwrap();
    assert_eq!(indefinite.group, pb::DisabilityGroup::Group1 as i32);
    assert!(
        indefinite.re_examination_due.is_none(),
        "an indefinite assessment"
    );
    let statistics = h.statistics().await;
    assert_eq!(statistics.persons_total, 5);
    assert_eq!(statistics.children_total, 3);

    // The same rows again, one call per row: nothing changes.
    let run = h
        .onaltu(&["import-persons", PERSONS_CSV, "--batch-size", "1"])
        .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.has_line("persons: received 4, created 0, updated 0, unchanged 4, rejected 0"));
    assert_eq!(find(&h, &iins[0]).await.unwrap(), first);
    assert_eq!(h.statistics().await, statistics);
}
