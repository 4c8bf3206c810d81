//! Kazakhstan's identification numbers.
//!
//! - IIN (ЖСН/ИИН, individual): digits 1-6 the birth date `YYMMDD`; digit 7 the century and sex
//!   (1/2: 1800s, 3/4: 1900s, 5/6: 2000s; odd male, even female); digits 8-11 a serial; digit 12
//!   a check digit.
//! - BIN (БСН/БИН, organisation): digits 1-4 the registration year and month `YYMM`, digit 5 the
//!   kind of entity, digits 6-11 a serial, digit 12 the same check digit.
//!
//! The check digit: weights 1..11 over digits 1-11, sum mod 11; if that is 10, weights
//! 3,4,5,6,7,8,9,10,11,1,2, mod 11; if it is 10 again the number is invalid.
//!
//! Errors name the check that failed and never echo the number.

use chrono::{Datelike, NaiveDate};

/// Sex as encoded in digit 7 of an IIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Odd digit 7.
    Male,
    /// Even digit 7.
    Female,
}

/// Why a number is not a valid IIN or BIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not 12 characters.
    #[error("must have 12 digits, has {0} characters")]
    Length(usize),
    /// A character is not a digit.
    #[error("must contain digits only (position {0} is not a digit)")]
    Digits(usize),
    /// Digit 7 is not 1-6.
    #[error("digit 7 (century and sex) must be 1-6")]
    CenturySex,
    /// Digits 1-6 are not a calendar date.
    #[error("digits 1-6 are not a valid birth date (YYMMDD)")]
    BirthDate,
    /// The birth date is in the future.
    #[error("digits 1-7 give a birth date in the future")]
    FutureBirthDate,
    /// Digits 3-4 of a BIN are not a month.
    #[error("digits 3-4 (registration month) must be 01-12")]
    RegistrationMonth,
    /// Digit 5 of a BIN is not an entity kind.
    #[error("digit 5 (entity kind) must be 4, 5 or 6")]
    EntityKind,
    /// Both weight rounds give 10: no check digit exists for these digits.
    #[error("check digit cannot be computed (both weight rounds give 10)")]
    NoCheckDigit,
    /// The check digit does not match.
    #[error("check digit does not match")]
    CheckDigit,
}

fn digits(s: &str) -> Result<[u8; 12], IdError> {
    let count = s.chars().count();
    if count != 12 {
        return Err(IdError::Length(count));
    }
    let mut out = [0u8; 12];
    for (i, c) in s.chars().enumerate() {
        out[i] = c.to_digit(10).ok_or(IdError::Digits(i + 1))? as u8;
    }
    Ok(out)
}

/// The check digit of the first 11 digits, or `None` when both rounds give 10.
pub fn check_digit(d: &[u8]) -> Option<u8> {
    const FIRST: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let round = |w: &[u32; 11]| d.iter().zip(w).map(|(d, w)| *d as u32 * w).sum::<u32>() % 11;
    match round(&FIRST) {
        10 => match round(&SECOND) {
            10 => None,
            c => Some(c as u8),
        },
        c => Some(c as u8),
    }
}

fn verify_check(d: &[u8; 12]) -> Result<(), IdError> {
    match check_digit(&d[..11]) {
        None => Err(IdError::NoCheckDigit),
        Some(c) if c == d[11] => Ok(()),
        Some(_) => Err(IdError::CheckDigit),
    }
}

/// A valid IIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Iin {
    /// Birth date encoded in the IIN.
    pub birth_date: NaiveDate,
    /// Sex encoded in the IIN.
    pub sex: Sex,
}

impl Iin {
    /// Validates every rule of an IIN against `today` and returns what it encodes. Reports the
    /// first failing check in order: length, digits, century/sex digit, birth date, check digit.
    pub fn parse(s: &str, today: NaiveDate) -> Result<Self, IdError> {
        let d = digits(s)?;
        let century = match d[6] {
            1 | 2 => 1800,
            3 | 4 => 1900,
            5 | 6 => 2000,
            _ => return Err(IdError::CenturySex),
        };
        let year = century + (d[0] * 10 + d[1]) as i32;
        let month = (d[2] * 10 + d[3]) as u32;
        let day = (d[4] * 10 + d[5]) as u32;
        let birth_date = NaiveDate::from_ymd_opt(year, month, day).ok_or(IdError::BirthDate)?;
        if birth_date > today {
            return Err(IdError::FutureBirthDate);
        }
        verify_check(&d)?;
        let sex = if d[6] % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        };
        Ok(Self { birth_date, sex })
    }

    /// A valid IIN for `birth_date` and `sex` with the given serial (digits 8-11, taken mod
    /// 10000); serials with no check digit are skipped to the next.
    pub fn generate(birth_date: NaiveDate, sex: Sex, serial: u32) -> Option<String> {
        let century_digit = match (birth_date.year() / 100, sex) {
            (18, Sex::Male) => 1,
            (18, Sex::Female) => 2,
            (19, Sex::Male) => 3,
            (19, Sex::Female) => 4,
            (20, Sex::Male) => 5,
            (20, Sex::Female) => 6,
            _ => return None,
        };
        let prefix = format!(
            "{:02}{:02}{:02}{century_digit}",
            birth_date.year() % 100,
            birth_date.month(),
            birth_date.day()
        );
        (0..10_000).find_map(|step| {
            let body = format!("{prefix}{:04}", (serial + step) % 10_000);
            let d: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
            check_digit(&d).map(|c| format!("{body}{c}"))
        })
    }
}

/// Validates a BIN: 12 digits, registration month, entity kind, check digit.
pub fn validate_bin(s: &str) -> Result<(), IdError> {
    let d = digits(s)?;
    let month = d[2] * 10 + d[3];
    if !(1..=12).contains(&month) {
        return Err(IdError::RegistrationMonth);
    }
    if !(4..=6).contains(&d[4]) {
        return Err(IdError::EntityKind);
    }
    verify_check(&d)
}

/// A valid BIN registered in `year`/`month` with entity kind 4 and the given serial.
pub fn generate_bin(year: i32, month: u32, serial: u32) -> Option<String> {
    let prefix = format!("{:02}{:02}4", year % 100, month);
    (0..1_000_000).find_map(|step| {
        let body = format!("{prefix}{:06}", (serial + step) % 1_000_000);
        let d: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
        check_digit(&d).map(|c| format!("{body}{c}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_known_valid_iin_decodes() {
        // 9 + 2*2 + 3*0 + 4*3 + 5*1 + 6*5 + 7*3 + 8*0 + 9*0 + 10*0 + 11*1 = 92; 92 mod 11 = 4.
        let iin = Iin::parse("920315300014", today()).unwrap();
        assert_eq!(iin.birth_date, date(1992, 3, 15));
        assert_eq!(iin.sex, Sex::Male);
    }

    #[test]
    fn the_second_weight_round_is_used_when_the_first_gives_ten() {
        // Find digits whose first round is 10, then check the IIN with the second-round digit.
        let body = (0..10_000)
            .map(|s| format!("0501016{s:04}"))
            .find(|b| {
                let d: Vec<u8> = b.bytes().map(|x| x - b'0').collect();
                let first: u32 = d
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (i as u32 + 1) * *x as u32)
                    .sum();
                first % 11 == 10 && check_digit(&d).is_some()
            })
            .unwrap();
        let d: Vec<u8> = body.bytes().map(|x| x - b'0').collect();
        let iin = format!("{body}{}", check_digit(&d).unwrap());
        assert!(Iin::parse(&iin, today()).is_ok());
        let wrong = format!("{body}{}", (check_digit(&d).unwrap() + 1) % 10);
        assert_eq!(Iin::parse(&wrong, today()), Err(IdError::CheckDigit));
    }

    #[test]
    fn every_failure_mode_is_named() {
        let t = today();
        assert_eq!(Iin::parse("92031530001", t), Err(IdError::Length(11)));
        assert_eq!(Iin::parse("9203153000171", t), Err(IdError::Length(13)));
        assert_eq!(Iin::parse("92031530001A", t), Err(IdError::Digits(12)));
        assert_eq!(Iin::parse("920315700017", t), Err(IdError::CenturySex));
        assert_eq!(Iin::parse("920315000017", t), Err(IdError::CenturySex));
        assert_eq!(Iin::parse("921315300017", t), Err(IdError::BirthDate));
        assert_eq!(Iin::parse("920230300017", t), Err(IdError::BirthDate));
        assert_eq!(Iin::parse("920315300017", t), Err(IdError::CheckDigit));
        let future = Iin::generate(date(2099, 1, 1), Sex::Female, 1).unwrap();
        assert_eq!(Iin::parse(&future, t), Err(IdError::FutureBirthDate));
        // No check digit exists: find digits where both rounds give 10.
        let none = (0..10_000)
            .map(|s| format!("9203153{s:04}"))
            .find(|b| check_digit(&b.bytes().map(|x| x - b'0').collect::<Vec<_>>()).is_none())
            .unwrap();
        assert_eq!(
            Iin::parse(&format!("{none}0"), t),
            Err(IdError::NoCheckDigit)
        );
    }

    #[test]
    fn generated_iins_are_valid_and_encode_the_person() {
        for (i, (birth, sex)) in [
            (date(1950, 1, 31), Sex::Female),
            (date(2012, 12, 1), Sex::Male),
            (date(1899, 6, 15), Sex::Male),
        ]
        .into_iter()
        .enumerate()
        {
            let iin = Iin::generate(birth, sex, i as u32 * 977).unwrap();
            let parsed = Iin::parse(&iin, today()).unwrap();
            assert_eq!((parsed.birth_date, parsed.sex), (birth, sex));
        }
    }

    #[test]
    fn bins_are_checked() {
        let bin = generate_bin(2015, 4, 1234).unwrap();
        assert_eq!(validate_bin(&bin), Ok(()));
        let mut wrong = bin.clone().into_bytes();
        wrong[11] = b'0' + (wrong[11] - b'0' + 1) % 10;
        assert_eq!(
            validate_bin(&String::from_utf8(wrong).unwrap()),
            Err(IdError::CheckDigit)
        );
        assert_eq!(
            validate_bin("151340123456"),
            Err(IdError::RegistrationMonth)
        );
        assert_eq!(validate_bin("150410123456"), Err(IdError::EntityKind));
        assert_eq!(validate_bin("15041012345"), Err(IdError::Length(11)));
    }
}
