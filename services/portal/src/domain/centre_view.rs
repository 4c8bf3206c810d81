//! The centres list's filters (region, sector, kind, service form, name) as the query string
//! carries them, and a centre's facts in words: its region, sector, kind, service forms and ages.

use onaltu_proto::common::{CenterKind, CenterSector};
use onaltu_proto::registry::{AgeRange, ServiceForm};

use crate::i18n::Tr;

/// The regions of Kazakhstan by ISO 3166-2:KZ code: seventeen regions and the three cities of
/// republican significance, named in the catalogues as `region-<code>`.
pub const REGIONS: [&str; 20] = [
    "KZ-10", "KZ-11", "KZ-15", "KZ-19", "KZ-23", "KZ-27", "KZ-31", "KZ-33", "KZ-35", "KZ-39",
    "KZ-43", "KZ-47", "KZ-55", "KZ-59", "KZ-61", "KZ-62", "KZ-63", "KZ-71", "KZ-75", "KZ-79",
];

/// Sectors by their address name.
pub const SECTORS: [(&str, CenterSector); 4] = [
    ("health", CenterSector::Health),
    ("social", CenterSector::Social),
    ("education", CenterSector::Education),
    ("ngo", CenterSector::Ngo),
];

/// Kinds by their address name.
pub const KINDS: [(&str, CenterKind); 7] = [
    ("rehab-centre", CenterKind::RehabCentre),
    ("early-intervention", CenterKind::EarlyIntervention),
    ("rehab-unit", CenterKind::RehabUnit),
    ("social-service-centre", CenterKind::SocialServiceCentre),
    ("psychoneurological", CenterKind::Psychoneurological),
    ("day-care", CenterKind::DayCare),
    ("other", CenterKind::Other),
];

/// Service forms by their address name.
pub const FORMS: [(&str, ServiceForm); 6] = [
    ("stationary", ServiceForm::Stationary),
    ("semi-stationary", ServiceForm::SemiStationary),
    ("home-based", ServiceForm::HomeBased),
    ("temporary-stay", ServiceForm::TemporaryStay),
    ("outpatient", ServiceForm::Outpatient),
    ("day-hospital", ServiceForm::DayHospital),
];

/// The longest name search kept.
pub const MAX_QUERY_CHARS: usize = 100;

/// The filters as given in the address; unknown values are dropped (the list then shows every
/// region, sector, …), so an old or edited link still shows a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Region code, or empty.
    pub region: String,
    /// Sector's address name, or empty.
    pub sector: String,
    /// Kind's address name, or empty.
    pub kind: String,
    /// Service form's address name, or empty.
    pub form: String,
    /// Name search, trimmed.
    pub q: String,
}

fn known<T: Copy>(table: &[(&'static str, T)], value: &str) -> Option<(&'static str, T)> {
    table.iter().copied().find(|(name, _)| *name == value)
}

impl Filter {
    /// The filter of the raw query values.
    pub fn new(region: &str, sector: &str, kind: &str, form: &str, q: &str) -> Self {
        let region = region.trim().to_ascii_uppercase();
        Self {
            region: if REGIONS.contains(&region.as_str()) {
                region
            } else {
                String::new()
            },
            sector: known(&SECTORS, sector.trim()).map_or("", |s| s.0).into(),
            kind: known(&KINDS, kind.trim()).map_or("", |k| k.0).into(),
            form: known(&FORMS, form.trim()).map_or("", |f| f.0).into(),
            q: q.trim().chars().take(MAX_QUERY_CHARS).collect(),
        }
    }

    /// The sector for the services (0: any).
    pub fn sector_value(&self) -> i32 {
        known(&SECTORS, &self.sector).map_or(0, |s| s.1 as i32)
    }

    /// The kind for the services (0: any).
    pub fn kind_value(&self) -> i32 {
        known(&KINDS, &self.kind).map_or(0, |k| k.1 as i32)
    }

    /// The service form for the registry (0: any).
    pub fn form_value(&self) -> i32 {
        known(&FORMS, &self.form).map_or(0, |f| f.1 as i32)
    }

    /// The filter's query parameters, for links that keep it.
    pub fn params(&self) -> [(&'static str, &str); 5] {
        [
            ("region", &self.region),
            ("sector", &self.sector),
            ("kind", &self.kind),
            ("form", &self.form),
            ("q", &self.q),
        ]
    }
}

/// One choice of a select box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// The label shown.
    pub label: String,
    /// Whether it is the current choice.
    pub selected: bool,
}

/// The choices of a select box: "any" first, then `values` labelled by `key_of`, the one equal
/// to `current` selected.
pub fn choices<'a>(
    tr: &Tr,
    any_key: &str,
    values: impl IntoIterator<Item = &'a str>,
    key_of: impl Fn(&str) -> String,
    current: &str,
) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: tr.t(any_key),
        selected: current.is_empty(),
    }];
    out.extend(values.into_iter().map(|v| Choice {
        value: v.to_string(),
        label: tr.t(&key_of(v)),
        selected: v == current,
    }));
    out
}

/// The choices of the list's four select boxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterChoices {
    /// Regions.
    pub regions: Vec<Choice>,
    /// Sectors.
    pub sectors: Vec<Choice>,
    /// Kinds.
    pub kinds: Vec<Choice>,
    /// Service forms.
    pub forms: Vec<Choice>,
}

impl FilterChoices {
    /// The choices, `filter`'s selected.
    pub fn new(tr: &Tr, filter: &Filter) -> Self {
        Self {
            regions: choices(tr, "filter-any-region", REGIONS, region_key, &filter.region),
            sectors: choices(
                tr,
                "filter-any-sector",
                SECTORS.iter().map(|s| s.0),
                |s| format!("sector-{s}"),
                &filter.sector,
            ),
            kinds: choices(
                tr,
                "filter-any-kind",
                KINDS.iter().map(|k| k.0),
                |k| format!("kind-{k}"),
                &filter.kind,
            ),
            forms: choices(
                tr,
                "filter-any-form",
                FORMS.iter().map(|f| f.0),
                |f| format!("form-{f}"),
                &filter.form,
            ),
        }
    }
}

/// The message key naming a region.
pub fn region_key(code: &str) -> String {
    format!("region-{}", code.to_ascii_lowercase())
}

/// A region's name, or its code when unknown.
pub fn region_name(tr: &Tr, code: &str) -> String {
    let key = region_key(code);
    if tr.has(&key) {
        tr.t(&key)
    } else {
        code.to_string()
    }
}

/// The name of a sector value.
pub fn sector_name(tr: &Tr, sector: i32) -> String {
    SECTORS
        .iter()
        .find(|(_, s)| *s as i32 == sector)
        .map_or_else(String::new, |(name, _)| tr.t(&format!("sector-{name}")))
}

/// The name of a kind value.
pub fn kind_name(tr: &Tr, kind: i32) -> String {
    KINDS
        .iter()
        .find(|(_, k)| *k as i32 == kind)
        .map_or_else(String::new, |(name, _)| tr.t(&format!("kind-{name}")))
}

/// The names of service form values, in the order given; unknown ones left out.
pub fn form_names(tr: &Tr, forms: &[i32]) -> Vec<String> {
    forms
        .iter()
        .filter_map(|f| FORMS.iter().find(|(_, form)| *form as i32 == *f))
        .map(|(name, _)| tr.t(&format!("form-{name}")))
        .collect()
}

/// The ages a centre serves, in words.
pub fn ages_text(tr: &Tr, ages: Option<&AgeRange>) -> String {
    let Some(ages) = ages else {
        return tr.t("ages-unknown");
    };
    match ages.max_age_years {
        Some(max) => tr.args(
            "ages-between",
            &[("min", ages.min_age_years.into()), ("max", max.into())],
        ),
        None => tr.n("ages-from", ages.min_age_years),
    }
}

/// Whether `website` may be shown as a link (http or https only).
pub fn linkable(website: &str) -> bool {
    let lower = website.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !lower.contains(['"', '<', '>', ' '])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn unknown_filter_values_are_dropped() {
        let f = Filter::new(" kz-71 ", "health", "day-care", "outpatient", "  Күн  ");
        assert_eq!(
            f,
            Filter {
                region: "KZ-71".into(),
                sector: "health".into(),
                kind: "day-care".into(),
                form: "outpatient".into(),
                q: "Күн".into(),
            }
        );
        assert_eq!(f.sector_value(), CenterSector::Health as i32);
        assert_eq!(f.kind_value(), CenterKind::DayCare as i32);
        assert_eq!(f.form_value(), ServiceForm::Outpatient as i32);
        let bad = Filter::new("KZ-99", "army", "x", "<b>", &"я".repeat(300));
        assert_eq!((bad.region.as_str(), bad.sector.as_str()), ("", ""));
        assert_eq!((bad.kind.as_str(), bad.form.as_str()), ("", ""));
        assert_eq!(bad.q.chars().count(), MAX_QUERY_CHARS);
        assert_eq!(
            (bad.sector_value(), bad.kind_value(), bad.form_value()),
            (0, 0, 0)
        );
    }

    #[test]
    fn choices_start_with_any_and_mark_the_current() {
        let tr = Tr::new(Lang::En);
        let c = choices(&tr, "filter-any-region", REGIONS, region_key, "KZ-71");
        assert_eq!(c.len(), 21);
        assert!(!c[0].selected && c[0].value.is_empty());
        let astana = c.iter().find(|c| c.value == "KZ-71").unwrap_or(&c[0]);
        assert!(astana.selected);
        assert_eq!(astana.label, "Astana");
        let all = FilterChoices::new(&tr, &Filter::new("", "ngo", "", "home-based", ""));
        assert_eq!(
            (
                all.regions.len(),
                all.sectors.len(),
                all.kinds.len(),
                all.forms.len()
            ),
            (21, 5, 8, 7)
        );
        assert!(
            all.sectors
                .iter()
                .any(|c| c.selected && c.label == "Non-governmental organisation")
        );
        assert!(
            all.forms
                .iter()
                .any(|c| c.selected && c.value == "home-based")
        );
        assert!(all.regions[0].selected);
    }

    #[test]
    fn facts_are_told_in_words() {
        let tr = Tr::new(Lang::En);
        assert_eq!(region_name(&tr, "KZ-99"), "KZ-99");
        assert_eq!(sector_name(&tr, 0), "");
        assert_eq!(
            form_names(&tr, &[ServiceForm::Stationary as i32, 99]).len(),
            1
        );
        let adults = AgeRange {
            min_age_years: 18,
            max_age_years: None,
        };
        assert!(ages_text(&tr, Some(&adults)).contains("18"));
        let children = AgeRange {
            min_age_years: 0,
            max_age_years: Some(17),
        };
        let text = ages_text(&tr, Some(&children));
        assert!(text.contains('0') && text.contains("17"), "{text}");
        assert!(linkable("https://centre.kz"));
        assert!(!linkable("javascript:alert(1)"));
    }

    #[test]
    fn every_name_is_in_every_language() {
        for lang in Lang::ALL {
            let tr = Tr::new(lang);
            let keys = REGIONS
                .iter()
                .map(|c| region_key(c))
                .chain(SECTORS.iter().map(|(n, _)| format!("sector-{n}")))
                .chain(KINDS.iter().map(|(n, _)| format!("kind-{n}")))
                .chain(FORMS.iter().map(|(n, _)| format!("form-{n}")));
            for key in keys {
                assert!(tr.has(&key), "{} lacks {key}", lang.code());
            }
        }
    }
}
