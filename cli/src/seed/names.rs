//! Built-in Kazakh and Russian names (аты-жөні / ФИО) for demo persons, with the feminine forms
//! of surnames and patronymics.

use onaltu_kzid::Sex;

/// Kazakh surnames in their masculine `-ов`/`-ев`/`-ин` form.
pub const KAZAKH_SURNAMES: &[&str] = &[
    "Ахметов",
    "Жұмабаев",
    "Омаров",
    "Сейітқалиев",
    "Серікбаев",
    "Қасымов",
    "Әбдірахманов",
    "Тоқтаров",
    "Исаев",
    "Бекмұратов",
    "Мұхамеджанов",
    "Оспанов",
    "Сәрсенбаев",
    "Ержанов",
    "Төлегенов",
    "Нұрпейісов",
    "Байжанов",
    "Құрманов",
    "Дүйсенбаев",
    "Сапарбеков",
    "Жақыпов",
    "Мамыров",
    "Әлібеков",
    "Шәріпов",
    "Сейфуллин",
];

/// Kazakh men's given names; also the fathers' names that patronymics and `-ұлы`/`-қызы`
/// surnames are made from.
pub const KAZAKH_MALE: &[&str] = &[
    "Нұрсұлтан",
    "Ерлан",
    "Асқар",
    "Бауыржан",
    "Дәулет",
    "Ержан",
    "Арман",
    "Данияр",
    "Әлихан",
    "Нұрлан",
    "Серік",
    "Қайрат",
    "Ерболат",
    "Темірлан",
    "Айдос",
    "Алихан",
    "Ислам",
    "Мирас",
    "Санжар",
    "Жандос",
    "Бақытжан",
    "Ерасыл",
    "Ернар",
    "Мұрат",
];

/// Kazakh women's given names.
pub const KAZAKH_FEMALE: &[&str] = &[
    "Айгүл",
    "Әсел",
    "Гүлнар",
    "Жанар",
    "Дана",
    "Аружан",
    "Айша",
    "Мөлдір",
    "Назерке",
    "Динара",
    "Жансая",
    "Томирис",
    "Ақбота",
    "Айым",
    "Сания",
    "Камила",
    "Аяулым",
    "Меруерт",
    "Салтанат",
    "Гүлмира",
    "Әйгерім",
    "Інжу",
];

/// Russian surnames in their masculine form.
pub const RUSSIAN_SURNAMES: &[&str] = &[
    "Иванов",
    "Петров",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Никольский",
    "Шевченко",
    "Бондаренко",
    "Ковальчук",
];

/// Russian men's given names with the patronymics made from them (masculine, feminine).
pub const RUSSIAN_MALE: &[(&str, &str, &str)] = &[
    ("Александр", "Александрович", "Александровна"),
    ("Дмитрий", "Дмитриевич", "Дмитриевна"),
    ("Сергей", "Сергеевич", "Сергеевна"),
    ("Андрей", "Андреевич", "Андреевна"),
    ("Алексей", "Алексеевич", "Алексеевна"),
    ("Иван", "Иванович", "Ивановна"),
    ("Михаил", "Михайлович", "Михайловна"),
    ("Владимир", "Владимирович", "Владимировна"),
    ("Николай", "Николаевич", "Николаевна"),
    ("Павел", "Павлович", "Павловна"),
    ("Евгений", "Евгеньевич", "Евгеньевна"),
    ("Максим", "Максимович", "Максимовна"),
    ("Виктор", "Викторович", "Викторовна"),
    ("Юрий", "Юрьевич", "Юрьевна"),
    ("Артём", "Артёмович", "Артёмовна"),
    ("Никита", "Никитич", "Никитична"),
];

/// Russian women's given names.
pub const RUSSIAN_FEMALE: &[&str] = &[
    "Анна",
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Мария",
    "Екатерина",
    "Ирина",
    "Светлана",
    "Дарья",
    "Полина",
    "София",
    "Виктория",
    "Юлия",
];

/// Where a family's names come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Kazakh names; patronymic `-ұлы`/`-қызы`.
    Kazakh,
    /// Russian names; patronymic `-ович`/`-овна`.
    Russian,
}

/// A family's naming: the surname stem and the father's given name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyName {
    /// Kazakh or Russian names.
    pub origin: Origin,
    /// Masculine surname, e.g. `Ахметов`; `None` when the children's surnames are made from the
    /// father's name (`Ерланұлы`, `Ерланқызы`), the modern Kazakh form.
    pub surname: Option<String>,
    /// Index of the father's given name in the origin's list of men's names.
    pub father: usize,
}

impl FamilyName {
    /// The father's given name.
    pub fn father_given_name(&self) -> &'static str {
        match self.origin {
            Origin::Kazakh => KAZAKH_MALE[self.father % KAZAKH_MALE.len()],
            Origin::Russian => RUSSIAN_MALE[self.father % RUSSIAN_MALE.len()].0,
        }
    }

    /// The surname of a child of this family of the given sex.
    pub fn surname_for(&self, sex: Sex) -> String {
        match &self.surname {
            Some(surname) => gendered_surname(surname, sex),
            None => kazakh_patronymic(self.father_given_name(), sex),
        }
    }

    /// The patronymic (әкесінің аты / отчество) of a child of this family; empty when the
    /// surname already names the father.
    pub fn patronymic_for(&self, sex: Sex) -> String {
        match (self.origin, &self.surname) {
            (Origin::Kazakh, None) => String::new(),
            (Origin::Kazakh, Some(_)) => kazakh_patronymic(self.father_given_name(), sex),
            (Origin::Russian, _) => {
                let (_, male, female) = RUSSIAN_MALE[self.father % RUSSIAN_MALE.len()];
                match sex {
                    Sex::Male => male.to_string(),
                    Sex::Female => female.to_string(),
                }
            }
        }
    }
}

/// A surname in the form for `sex`: `-ов`/`-ев`/`-ин` take `-а`, `-ский` becomes `-ская`,
/// `-ұлы` becomes `-қызы`; others (`Шевченко`) do not change.
pub fn gendered_surname(masculine: &str, sex: Sex) -> String {
    if sex == Sex::Male {
        return masculine.to_string();
    }
    if let Some(stem) = masculine.strip_suffix("ұлы") {
        return format!("{stem}қызы");
    }
    if let Some(stem) = masculine.strip_suffix("ский") {
        return format!("{stem}ская");
    }
    if ["ов", "ев", "ёв", "ин"]
        .iter()
        .any(|s| masculine.ends_with(s))
    {
        return format!("{masculine}а");
    }
    masculine.to_string()
}

/// A Kazakh patronymic from the father's name: `Ерланұлы` (son), `Ерланқызы` (daughter).
pub fn kazakh_patronymic(father: &str, sex: Sex) -> String {
    match sex {
        Sex::Male => format!("{father}ұлы"),
        Sex::Female => format!("{father}қызы"),
    }
}

/// A given name for `sex` of the origin, by index.
pub fn given_name(origin: Origin, sex: Sex, index: usize) -> &'static str {
    match (origin, sex) {
        (Origin::Kazakh, Sex::Male) => KAZAKH_MALE[index % KAZAKH_MALE.len()],
        (Origin::Kazakh, Sex::Female) => KAZAKH_FEMALE[index % KAZAKH_FEMALE.len()],
        (Origin::Russian, Sex::Male) => RUSSIAN_MALE[index % RUSSIAN_MALE.len()].0,
        (Origin::Russian, Sex::Female) => RUSSIAN_FEMALE[index % RUSSIAN_FEMALE.len()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn women_take_the_feminine_forms() {
        assert_eq!(gendered_surname("Ахметов", Sex::Female), "Ахметова");
        assert_eq!(gendered_surname("Сейфуллин", Sex::Female), "Сейфуллина");
        assert_eq!(gendered_surname("Никольский", Sex::Female), "Никольская");
        assert_eq!(gendered_surname("Шевченко", Sex::Female), "Шевченко");
        assert_eq!(gendered_surname("Ахметов", Sex::Male), "Ахметов");
        assert_eq!(kazakh_patronymic("Ерлан", Sex::Female), "Ерланқызы");
    }

    #[test]
    fn a_family_names_its_children_after_the_father() {
        let modern = FamilyName {
            origin: Origin::Kazakh,
            surname: None,
            father: 1,
        };
        assert_eq!(modern.surname_for(Sex::Male), "Ерланұлы");
        assert_eq!(modern.surname_for(Sex::Female), "Ерланқызы");
        assert_eq!(modern.patronymic_for(Sex::Female), "");
        let russian = FamilyName {
            origin: Origin::Russian,
            surname: Some("Иванов".into()),
            father: 1,
        };
        assert_eq!(russian.surname_for(Sex::Female), "Иванова");
        assert_eq!(russian.patronymic_for(Sex::Female), "Дмитриевна");
        assert_eq!(russian.patronymic_for(Sex::Male), "Дмитриевич");
    }

    #[test]
    fn every_name_passes_the_registry_name_rule() {
        let all = KAZAKH_SURNAMES
            .iter()
            .chain(KAZAKH_MALE)
            .chain(KAZAKH_FEMALE)
            .chain(RUSSIAN_SURNAMES)
            .chain(RUSSIAN_FEMALE)
            .copied()
            .chain(RUSSIAN_MALE.iter().flat_map(|(a, b, c)| [*a, *b, *c]));
        for name in all {
            assert!(name.chars().all(char::is_alphabetic), "{name}");
        }
    }
}
