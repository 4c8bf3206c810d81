//! The automatic pre-check of a comment: it flags what looks like personal data (an IIN, a
//! phone number, an e-mail address) so the moderator sees why before publishing.

use chrono::NaiveDate;

/// What the pre-check found, with the contract's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Flag {
    /// Twelve digits forming a valid IIN.
    Iin = 1,
    /// A phone number.
    Phone = 2,
    /// An e-mail address.
    Email = 3,
}

/// Every flag `comment` raises, in order, each once. `today` bounds the IIN's birth date.
pub fn flags(comment: &str, today: NaiveDate) -> Vec<Flag> {
    let mut found = Vec::new();
    for run in digit_runs(comment) {
        let digits: String = run.iter().collect();
        if digits.len() == 12 && onaltu_kzid::Iin::parse(&digits, today).is_ok() {
            found.push(Flag::Iin);
        } else if is_phone(&digits) {
            found.push(Flag::Phone);
        }
    }
    if comment.split_whitespace().any(is_email) {
        found.push(Flag::Email);
    }
    found.sort();
    found.dedup();
    found
}

/// Runs of digits, joined across the separators people type inside numbers
/// (`+7 (701) 123-45-67`, `8 701 123 45 67`).
fn digit_runs(text: &str) -> Vec<Vec<char>> {
    let mut runs = Vec::new();
    let mut current: Vec<char> = Vec::new();
    let mut gap = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            current.push(c);
            gap = 0;
        } else if !current.is_empty() && matches!(c, ' ' | '-' | '(' | ')' | '.') && gap < 2 {
            gap += 1;
        } else {
            if !current.is_empty() {
                runs.push(std::mem::take(&mut current));
            }
            gap = 0;
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// A Kazakhstani number: 11 digits starting 7 or 8 (country or trunk prefix), or a 10-digit
/// number starting with a mobile or area code 7.
fn is_phone(digits: &str) -> bool {
    match digits.len() {
        11 => digits.starts_with('7') || digits.starts_with('8'),
        10 => digits.starts_with('7'),
        _ => false,
    }
}

fn is_email(word: &str) -> bool {
    let word = word.trim_matches(|c: char| !c.is_alphanumeric());
    let Some((local, domain)) = word.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    fn iin() -> String {
        onaltu_kzid::Iin::generate(
            NaiveDate::from_ymd_opt(1980, 3, 14).unwrap(),
            onaltu_kzid::Sex::Female,
            42,
        )
        .unwrap()
    }

    #[test]
    fn an_iin_in_the_text_is_flagged() {
        let text = format!("Менің ЖСН {} екен", iin());
        assert_eq!(flags(&text, today()), [Flag::Iin]);
    }

    #[test]
    fn twelve_digits_that_are_no_iin_are_not_an_iin() {
        assert_eq!(flags("заказ 123456789012", today()), []);
    }

    #[test]
    fn phone_numbers_as_people_write_them_are_flagged() {
        for text in [
            "звоните +7 (701) 123-45-67",
            "тел 8 701 123 45 67",
            "7011234567 вечером",
        ] {
            assert_eq!(flags(text, today()), [Flag::Phone], "{text}");
        }
    }

    #[test]
    fn an_email_is_flagged_and_ordinary_text_is_not() {
        assert_eq!(flags("пишите: aigerim.k@mail.kz.", today()), [Flag::Email]);
        assert_eq!(
            flags("Жақсы орталық, 5 жұлдыз, 2026 жылы 3 апта болдық", today()),
            []
        );
        assert_eq!(flags("@ мен @@", today()), []);
    }

    #[test]
    fn several_kinds_are_each_flagged_once() {
        let text = format!("{} / +77011234567 / 87071234567 / a@b.kz", iin());
        assert_eq!(flags(&text, today()), [Flag::Iin, Flag::Phone, Flag::Email]);
    }
}
