//! Kazakhstan's regions (өңірлер / регионы) and their ISO 3166-2:KZ codes, from the registry's
//! seed list `services/registry/seed/regions.csv`, built into the binary so the command works
//! from any directory.

/// The registry's region list as shipped with the registry service.
const REGIONS_CSV: &str = include_str!("../../services/registry/seed/regions.csv");

/// One region or city of republican significance.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// ISO 3166-2:KZ code, e.g. `KZ-71`.
    pub code: String,
    /// Kazakh name (атауы), e.g. `Ақмола облысы`, `Астана`.
    pub name_kk: String,
    /// Russian name (наименование).
    pub name_ru: String,
    /// Whether it is a city of republican significance (Astana, Almaty, Shymkent).
    pub is_city: bool,
    /// Children with disabilities registered in 2022: the weight of the region in seed data.
    pub disabled_children_2022: u32,
}

/// The list of regions.
#[derive(Debug, Clone)]
pub struct Regions {
    regions: Vec<Region>,
}

/// Kazakh "region" (облыс), written after a region's name.
const OBLYS: &str = "облысы";

impl Regions {
    /// The list built into the binary.
    pub fn builtin() -> anyhow::Result<Self> {
        Self::parse(REGIONS_CSV)
    }

    /// Parses `regions.csv` (header `iso_code,name_kk,name_ru,...`); columns are found by name.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<&str> = lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("regions list is empty"))?
            .split(',')
            .map(str::trim)
            .collect();
        let column = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .ok_or_else(|| anyhow::anyhow!("regions list has no column {name}"))
        };
        let (code, kk, ru) = (column("iso_code")?, column("name_kk")?, column("name_ru")?);
        let (kind, children) = (column("kind")?, column("disabled_children_2022")?);
        let regions = lines
            .map(|line| {
                let cells: Vec<&str> = line.split(',').map(str::trim).collect();
                let cell = |i: usize| cells.get(i).copied().unwrap_or_default();
                Region {
                    code: cell(code).to_string(),
                    name_kk: cell(kk).to_string(),
                    name_ru: cell(ru).to_string(),
                    is_city: cell(kind) == "city",
                    disabled_children_2022: cell(children).parse().unwrap_or(0),
                }
            })
            .collect();
        Ok(Self { regions })
    }

    /// Every region, in the list's order.
    pub fn all(&self) -> &[Region] {
        &self.regions
    }

    /// The region with this ISO code.
    pub fn get(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    /// The region a printed label names: `Астана қ.` (a city), `Ақмола`, `Шығыс Қазақстан
    /// облысы`, `Ақмолинская область`, or an abbreviation such as `БҚО`. A bare name that is both
    /// a region and a city (`Алматы`) is the region: cities are printed with `қ.`.
    pub fn by_label(&self, label: &str) -> Option<&Region> {
        let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(code) = abbreviation(&label) {
            return self.get(code);
        }
        let city = ["қ.", "қ", "қаласы", "г.", "город"]
            .iter()
            .find_map(|suffix| label.strip_suffix(suffix).map(str::trim_end));
        if let Some(base) = city {
            return self
                .regions
                .iter()
                .find(|r| r.is_city && (r.name_kk == base || r.name_ru == base));
        }
        let base = label
            .strip_suffix(OBLYS)
            .map(str::trim_end)
            .unwrap_or(&label);
        self.regions
            .iter()
            .filter(|r| !r.is_city)
            .find(|r| region_base(&r.name_kk) == base || r.name_ru == label)
            .or_else(|| {
                self.regions
                    .iter()
                    .find(|r| r.is_city && (r.name_kk == base || r.name_ru == base))
            })
    }
}

/// A region's Kazakh name without `облысы`: `Ақмола облысы` -> `Ақмола`.
pub fn region_base(name_kk: &str) -> &str {
    name_kk
        .strip_suffix(OBLYS)
        .map(str::trim_end)
        .unwrap_or(name_kk)
}

/// Region abbreviations in common use: БҚО (West), ШҚО (East), СҚО (North Kazakhstan).
pub fn abbreviation(word: &str) -> Option<&'static str> {
    match word {
        "БҚО" | "ЗКО" => Some("KZ-27"),
        "ШҚО" | "ВКО" => Some("KZ-63"),
        "СҚО" | "СКО" => Some("KZ-59"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(label: &str) -> Option<String> {
        Regions::builtin()
            .unwrap()
            .by_label(label)
            .map(|r| r.code.clone())
    }

    #[test]
    fn the_builtin_list_has_every_region_with_its_weight() {
        let regions = Regions::builtin().unwrap();
        assert_eq!(regions.all().len(), 20);
        assert_eq!(regions.get("KZ-71").unwrap().disabled_children_2022, 8201);
        assert!(regions.all().iter().all(|r| r.disabled_children_2022 > 0));
        assert_eq!(regions.all().iter().filter(|r| r.is_city).count(), 3);
    }

    #[test]
    fn printed_labels_map_to_iso_codes() {
        for (label, expected) in [
            ("Астана қ.", "KZ-71"),
            ("Алматы қ.", "KZ-75"),
            ("Шымкент қ.", "KZ-79"),
            ("Абай", "KZ-10"),
            ("Ақмола", "KZ-11"),
            ("Алматы", "KZ-19"),
            ("Шығыс Қазақстан облысы", "KZ-63"),
            ("Ұлытау облысы", "KZ-62"),
            ("Солтүстік Қазақстан облысы", "KZ-59"),
            ("Жамбыл", "KZ-31"),
            ("Астана", "KZ-71"),
            ("БҚО", "KZ-27"),
            ("Акмолинская область", "KZ-11"),
        ] {
            assert_eq!(code(label).as_deref(), Some(expected), "{label}");
        }
        assert_eq!(code("Атлантида"), None);
    }
}
