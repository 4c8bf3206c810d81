//! Approximate places for demo addresses: each region's centre (облыс орталығы) with its
//! coordinates and a few districts (аудандар), street names and mobile operators' prefixes.

/// A region's centre and districts.
#[derive(Debug, Clone, Copy)]
pub struct RegionPlaces {
    /// ISO 3166-2:KZ code.
    pub code: &'static str,
    /// Latitude of the regional centre, degrees.
    pub latitude: f64,
    /// Longitude of the regional centre, degrees.
    pub longitude: f64,
    /// City districts for the three cities, towns and rural districts for regions.
    pub districts: &'static [&'static str],
}

/// Every region with approximate coordinates of its centre.
pub const REGION_PLACES: &[RegionPlaces] = &[
    RegionPlaces {
        code: "KZ-10",
        latitude: 50.411,
        longitude: 80.227,
        districts: &[
            "Семей қ.",
            "Аягөз ауданы",
            "Жарма ауданы",
            "Бесқарағай ауданы",
        ],
    },
    RegionPlaces {
        code: "KZ-11",
        latitude: 53.284,
        longitude: 69.396,
        districts: &[
            "Көкшетау қ.",
            "Бурабай ауданы",
            "Целиноград ауданы",
            "Степногорск қ.",
        ],
    },
    RegionPlaces {
        code: "KZ-15",
        latitude: 50.283,
        longitude: 57.167,
        districts: &[
            "Ақтөбе қ.",
            "Хромтау ауданы",
            "Мұғалжар ауданы",
            "Шалқар ауданы",
        ],
    },
    RegionPlaces {
        code: "KZ-19",
        latitude: 43.867,
        longitude: 77.067,
        districts: &["Қонаев қ.", "Қарасай ауданы", "Іле ауданы", "Талғар ауданы"],
    },
    RegionPlaces {
        code: "KZ-23",
        latitude: 47.094,
        longitude: 51.924,
        districts: &["Атырау қ.", "Жылыой ауданы", "Мақат ауданы"],
    },
    RegionPlaces {
        code: "KZ-27",
        latitude: 51.227,
        longitude: 51.387,
        districts: &["Орал қ.", "Бәйтерек ауданы", "Бөрлі ауданы"],
    },
    RegionPlaces {
        code: "KZ-31",
        latitude: 42.900,
        longitude: 71.367,
        districts: &["Тараз қ.", "Шу ауданы", "Байзақ ауданы", "Жамбыл ауданы"],
    },
    RegionPlaces {
        code: "KZ-33",
        latitude: 45.017,
        longitude: 78.373,
        districts: &["Талдықорған қ.", "Сарқан ауданы", "Қаратал ауданы"],
    },
    RegionPlaces {
        code: "KZ-35",
        latitude: 49.806,
        longitude: 73.085,
        districts: &["Қарағанды қ.", "Теміртау қ.", "Бұқар жырау ауданы"],
    },
    RegionPlaces {
        code: "KZ-39",
        latitude: 53.214,
        longitude: 63.624,
        districts: &["Қостанай қ.", "Рудный қ.", "Қостанай ауданы"],
    },
    RegionPlaces {
        code: "KZ-43",
        latitude: 44.853,
        longitude: 65.509,
        districts: &["Қызылорда қ.", "Жаңақорған ауданы", "Қазалы ауданы"],
    },
    RegionPlaces {
        code: "KZ-47",
        latitude: 43.652,
        longitude: 51.158,
        districts: &["Ақтау қ.", "Жаңаөзен қ.", "Мұнайлы ауданы"],
    },
    RegionPlaces {
        code: "KZ-55",
        latitude: 52.287,
        longitude: 76.967,
        districts: &["Павлодар қ.", "Екібастұз қ.", "Ақсу қ."],
    },
    RegionPlaces {
        code: "KZ-59",
        latitude: 54.875,
        longitude: 69.162,
        districts: &["Петропавл қ.", "Қызылжар ауданы", "Есіл ауданы"],
    },
    RegionPlaces {
        code: "KZ-61",
        latitude: 43.297,
        longitude: 68.251,
        districts: &[
            "Түркістан қ.",
            "Сарыағаш ауданы",
            "Мақтаарал ауданы",
            "Сайрам ауданы",
        ],
    },
    RegionPlaces {
        code: "KZ-62",
        latitude: 47.783,
        longitude: 67.714,
        districts: &["Жезқазған қ.", "Сәтбаев қ.", "Ұлытау ауданы"],
    },
    RegionPlaces {
        code: "KZ-63",
        latitude: 49.948,
        longitude: 82.628,
        districts: &["Өскемен қ.", "Риддер қ.", "Глубокое ауданы"],
    },
    RegionPlaces {
        code: "KZ-71",
        latitude: 51.128,
        longitude: 71.430,
        districts: &["Алматы", "Байқоңыр", "Есіл", "Сарыарқа", "Нұра"],
    },
    RegionPlaces {
        code: "KZ-75",
        latitude: 43.238,
        longitude: 76.889,
        districts: &[
            "Алатау",
            "Алмалы",
            "Әуезов",
            "Бостандық",
            "Жетісу",
            "Медеу",
            "Наурызбай",
            "Түрксіб",
        ],
    },
    RegionPlaces {
        code: "KZ-79",
        latitude: 42.317,
        longitude: 69.587,
        districts: &["Абай", "Әл-Фараби", "Еңбекші", "Қаратау", "Тұран"],
    },
];

/// Street names (көше, даңғыл) common across the country.
pub const STREETS: &[&str] = &[
    "Абай даңғылы",
    "Республика даңғылы",
    "Тәуелсіздік даңғылы",
    "Кенесары көшесі",
    "Бейбітшілік көшесі",
    "Жібек жолы көшесі",
    "Сәтбаев көшесі",
    "Достық көшесі",
    "Әуезов көшесі",
    "Бөгенбай батыр даңғылы",
    "Мәңгілік Ел даңғылы",
    "Желтоқсан көшесі",
    "Төле би көшесі",
    "Байтұрсынұлы көшесі",
];

/// Mobile operators' codes after `+7`: Beeline, Kcell/Activ, Tele2, Altel.
pub const MOBILE_PREFIXES: &[&str] = &[
    "700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778",
];

/// The places of a region; Astana's when the code is unknown.
pub fn region_places(code: &str) -> &'static RegionPlaces {
    REGION_PLACES
        .iter()
        .find(|p| p.code == code)
        .unwrap_or(&REGION_PLACES[17])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regions::Regions;

    #[test]
    fn every_region_has_places_inside_kazakhstan() {
        for region in Regions::builtin().unwrap().all() {
            let places = region_places(&region.code);
            assert_eq!(places.code, region.code);
            assert!((40.0..=56.0).contains(&places.latitude), "{}", region.code);
            assert!((46.0..=88.0).contains(&places.longitude), "{}", region.code);
            assert!(!places.districts.is_empty());
        }
    }
}
