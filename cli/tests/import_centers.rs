//! `onaltu import-centers` against the real registry: the published list of 74 centres imports
//! whole, every dirty cell is reported by its row number, the valid e-mails are stored, and a
//! second import changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{CENTRES_TSV, Harness, TempFile};
use onaltu_proto::registry as pb;

/// A row of the published list as printed: number, Kazakh name and e-mail cell.
struct Printed {
    row: i64,
    name: String,
    emails: String,
}

fn printed_rows() -> Vec<Printed> {
    std::fs::read_to_string(CENTRES_TSV)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').map(str::trim).collect();
            Printed {
                row: cells[0].parse().unwrap(),
                name: cells[2].to_string(),
                emails: cells.get(3).copied().unwrap_or("").to_string(),
            }
        })
        .collect()
}

fn printed(row: i64) -> Printed {
    printed_rows().into_iter().find(|p| p.row == row).unwrap()
}

/// The stored centre of a printed row, found by its Kazakh name.
fn stored(centres: &[pb::Center], row: i64) -> &pb::Center {
    let name = printed(row).name;
    let found: Vec<&pb::Center> = centres
        .iter()
        .filter(|c| c.name.as_ref().is_some_and(|n| n.kk == name))
        .collect();
    assert_eq!(found.len(), 1, "one centre named {name}");
    found[0]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_published_centres_import_whole_with_every_dirty_cell_reported_by_row() {
    let h = Harness::start().await;
    let rows = printed_rows();
    assert_eq!(rows.len(), 74);

    let run = h
        .onaltu(&["import-centers", CENTRES_TSV, "--validate-only"])
        .await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.has_line(
        "centres (validated only, nothing written): received 74, created 74, updated 0, \
         unchanged 0, rejected 0"
    ));
    assert!(h.centres().await.is_empty(), "validation writes nothing");

    let run = h.onaltu(&["import-centers", CENTRES_TSV]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.has_line("centres: received 74, created 74, updated 0, unchanged 0, rejected 0"));
    assert!(!run.stdout.contains("rejected rows:"));

    // Every empty cell and every cell of several addresses is reported with its row number.
    let mut missing = 0;
    for p in &rows {
        let addresses = p
            .emails
            .split([',', ';', ' '])
            .filter(|a| !a.is_empty())
            .count();
        if p.emails.is_empty() {
            missing += 1;
            assert!(run.has_line(&format!("  row {}: e-mail missing", p.row)));
        } else if addresses > 1 && !p.emails.contains("obo akbulak") {
            assert!(
                run.has_line(&format!("  row {}: {addresses} e-mails in one cell", p.row)),
                "row {}",
                p.row
            );
        }
    }
    assert_eq!(missing, 37);
    assert_eq!(
        run.stdout.matches(": e-mail missing").count(),
        37,
        "no other row is said to lack an e-mail"
    );
    assert!(
        run.has_line("  row 41: e-mail 'тарaz-odb@mail.ru' is malformed: non-ASCII characters")
    );
    assert!(
        run.has_line("  row 69: e-mail 'obo akbulak@mail.ru' is malformed: contains whitespace")
    );
    assert_eq!(run.stdout.matches("is malformed").count(), 2);
    assert!(run.has_line("  row 48: 3 e-mails in one cell"));
    assert!(run.has_line("  row 65: 2 e-mails in one cell"));
    assert!(run.has_line("  row 66: 3 e-mails in one cell"));
    assert!(run.has_line("  row 49: 2 e-mails in one cell"));

    // What the registry stored.
    let centres = h.centres().await;
    assert_eq!(centres.len(), 74);
    let mut client = h.client();
    let row48 = client
        .get_center(pb::GetCenterRequest {
            id: stored(&centres, 48).id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .center
        .unwrap();
    assert_eq!(
        row48.emails,
        [
            "sarkand_crb@mail.ru",
            "crb_sarkand@crb-sarkand.kz",
            "odbl_zko@mail.ru"
        ]
    );
    assert_eq!(row48.name.unwrap().kk, printed(48).name);
    assert_eq!(
        stored(&centres, 65).emails,
        ["perinatal_mob@sso.gov.kz", "opesko_om@mail.med.mail.kz"]
    );
    assert_eq!(stored(&centres, 1).emails, ["gdb1_glav@mail.ru"]);
    assert!(stored(&centres, 9).emails.is_empty());
    assert!(
        stored(&centres, 41).emails.is_empty(),
        "a malformed address is not stored"
    );
    assert!(
        stored(&centres, 69).emails.is_empty(),
        "nor half of a broken one"
    );
    // The region the name names wins over the misprinted label.
    assert_eq!(stored(&centres, 33).region_code, "KZ-19");

    let run = h.onaltu(&["import-centers", CENTRES_TSV]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.has_line("centres: received 74, created 0, updated 0, unchanged 74, rejected 0"));
    let again = h.centres().await;
    assert_eq!(again, centres, "a second import changes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_row_the_registry_rejects_is_reported_by_row_and_fails_the_import() {
    let h = Harness::start().await;
    let text = std::fs::read_to_string(CENTRES_TSV).unwrap();
    let mut lines: Vec<&str> = text.lines().take(3).collect();
    // Row 2 without its name.
    let row2: Vec<&str> = lines[2].split('\t').collect();
    let broken = format!("{}\t{}\t\t{}", row2[0], row2[1], row2[3]);
    lines[2] = &broken;
    let file = TempFile::new("centres.tsv", &(lines.join("\n") + "\n"));

    let run = h.onaltu(&["import-centers", file.as_str()]).await;
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.has_line("centres: received 2, created 1, updated 0, unchanged 0, rejected 1"));
    assert!(run.has_line("rejected rows:"));
    run.line_starting("  row 2: center.name");
    assert!(run.has_line("  row 2: name missing"));
    let centres = h.centres().await;
    assert_eq!(centres.len(), 1, "the rejected row wrote nothing");
    assert_eq!(centres[0].name.as_ref().unwrap().kk, printed(1).name);
}
