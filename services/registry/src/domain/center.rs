//! Rules for rehabilitation centres (оңалту орталығы / ұйым). Pure: no I/O.

use std::collections::HashSet;

use onaltu_auth::Role;
use onaltu_errors::Violations;
use onaltu_proto::common::{CenterKind, CenterSector};
use onaltu_proto::registry::{
    BedProfile, Center, CenterLevel, DisabilityGroup, Ownership, ServiceForm,
};

use super::person::location_ok;

/// Whether `s` is a plausible e-mail address: ASCII, one `@`, a local part, and a domain of
/// dot-separated labels of letters, digits and hyphens.
pub fn email_ok(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.is_ascii()
        && !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

fn enum_ok<E: TryFrom<i32>>(value: i32) -> bool {
    E::try_from(value).is_ok()
}

/// Checks a centre as given to CreateCenter, UpdateCenter or ImportCenters.
pub fn check_center(c: &Center, regions: &HashSet<String>, v: &mut Violations) {
    let name = c.name.clone().unwrap_or_default();
    v.check(!name.kk.trim().is_empty(), "name.kk", "is required");
    v.check(
        name.kk.chars().count() <= 300,
        "name.kk",
        "must be at most 300 characters",
    );
    v.check(
        name.ru.chars().count() <= 300,
        "name.ru",
        "must be at most 300 characters",
    );
    if !c.bin.is_empty()
        && let Err(err) = onaltu_kzid::validate_bin(&c.bin)
    {
        v.add("bin", err.to_string());
    }
    v.check(
        CenterSector::try_from(c.sector).is_ok_and(|s| s != CenterSector::Unspecified),
        "sector",
        "is required (HEALTH, SOCIAL, EDUCATION or NGO)",
    );
    v.check(
        CenterKind::try_from(c.kind).is_ok_and(|k| k != CenterKind::Unspecified),
        "kind",
        "is required",
    );
    v.check(enum_ok::<CenterLevel>(c.level), "level", "unknown value");
    v.check(
        enum_ok::<Ownership>(c.ownership),
        "ownership",
        "unknown value",
    );
    v.check(
        regions.contains(&c.region_code),
        "region_code",
        "must be an ISO 3166-2:KZ region code (e.g. KZ-71 for Astana)",
    );
    if let Some(loc) = &c.location {
        v.check(location_ok(loc), "location", "must lie within Kazakhstan");
    }
    for (i, e) in c.emails.iter().enumerate() {
        v.check(
            email_ok(e),
            format!("emails[{i}]"),
            "is not a valid e-mail address",
        );
    }
    for (i, p) in c.phones.iter().enumerate() {
        v.check(
            p.len() <= 30 && p.chars().all(|c| c.is_ascii_digit() || " +()-".contains(c)),
            format!("phones[{i}]"),
            "must be digits, spaces, +, ( ) or -",
        );
    }
    v.check(
        c.website.is_empty()
            || c.website.starts_with("http://")
            || c.website.starts_with("https://"),
        "website",
        "must start with http:// or https://",
    );
    for (i, f) in c.service_forms.iter().enumerate() {
        v.check(
            ServiceForm::try_from(*f).is_ok_and(|f| f != ServiceForm::Unspecified),
            format!("service_forms[{i}]"),
            "unknown service form",
        );
    }
    if let Some(cap) = &c.capacity {
        for (field, value) in [
            ("capacity.beds", cap.beds),
            ("capacity.places", cap.places),
            ("capacity.admissions_per_month", cap.admissions_per_month),
        ] {
            v.check(value.is_none_or(|n| n >= 0), field, "must not be negative");
        }
    }
    if let Some(ages) = &c.ages_served {
        v.check(
            (0..=120).contains(&ages.min_age_years),
            "ages_served.min_age_years",
            "must be 0-120",
        );
        v.check(
            ages.max_age_years
                .is_none_or(|m| m >= ages.min_age_years && m <= 120),
            "ages_served.max_age_years",
            "must be at least min_age_years and at most 120",
        );
    }
    for (i, g) in c.groups_served.iter().enumerate() {
        v.check(
            DisabilityGroup::try_from(*g).is_ok_and(|g| g != DisabilityGroup::Unspecified),
            format!("groups_served[{i}]"),
            "unknown group",
        );
    }
    for (i, b) in c.bed_profiles.iter().enumerate() {
        v.check(
            enum_ok::<BedProfile>(b.profile),
            format!("bed_profiles[{i}].profile"),
            "unknown profile",
        );
        v.check(
            b.beds >= 0,
            format!("bed_profiles[{i}].beds"),
            "must not be negative",
        );
    }
}

/// Why a centre's staff may not change a field of their centre.
pub const CITY_OFFICE_FIELD: &str = "is changed by the city office, not the centre";

/// Whether a centre's own staff may change the field at `path`: they keep its contacts; its
/// identity and scope (name, BIN, sector, kind, capacity, forms served...) and its accessibility
/// and information checklists, which the city inspects, are the city office's.
pub fn staff_may_update(path: &str) -> bool {
    matches!(
        path,
        "address" | "location" | "emails" | "phones" | "website"
    )
}

/// Whether a caller in `role` edits a centre as its own staff, limited to the fields of
/// [`staff_may_update`]; everyone else allowed to update a centre is the city office.
pub fn edits_as_staff(role: Option<Role>) -> bool {
    role == Some(Role::CenterStaff)
}

/// What identifies a centre across imports: its BIN, or without one its Kazakh name within its
/// region.
pub fn identity(bin: Option<&str>, region_code: &str, name_kk: &str) -> String {
    bin.map_or_else(|| format!("{region_code}/{name_kk}"), str::to_string)
}

/// A field UpdateCenter may change, as named in its field mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CenterField {
    /// Both names.
    Name,
    /// The Kazakh name.
    NameKk,
    /// The Russian name.
    NameRu,
    /// BIN.
    Bin,
    /// Sector.
    Sector,
    /// Kind.
    Kind,
    /// Level.
    Level,
    /// Ownership.
    Ownership,
    /// Region.
    RegionCode,
    /// District.
    District,
    /// Address.
    Address,
    /// Geo point of the address.
    Location,
    /// E-mail addresses.
    Emails,
    /// Phones.
    Phones,
    /// Website.
    Website,
    /// Service forms offered.
    ServiceForms,
    /// Capacity.
    Capacity,
    /// Ages served.
    AgesServed,
    /// Disability groups served.
    GroupsServed,
    /// Beds by profile.
    BedProfiles,
    /// Accessibility checklist.
    Accessibility,
    /// Information openness checklist.
    InformationOpenness,
    /// Serves children.
    ServesChildren,
    /// Serves adults.
    ServesAdults,
}

/// What a field-mask path of UpdateCenter changes, for staff of the centre (`staff`) or the
/// city office; a refusal names the field to put in the answer and why.
pub fn center_mask_field(path: &str, staff: bool) -> Result<CenterField, (String, &'static str)> {
    use CenterField as F;
    if staff && !staff_may_update(path) {
        return Err((format!("update_mask.{path}"), CITY_OFFICE_FIELD));
    }
    Ok(match path {
        "name" => F::Name,
        "name.kk" => F::NameKk,
        "name.ru" => F::NameRu,
        "bin" => F::Bin,
        "sector" => F::Sector,
        "kind" => F::Kind,
        "level" => F::Level,
        "ownership" => F::Ownership,
        "region_code" => F::RegionCode,
        "district" => F::District,
        "address" => F::Address,
        "location" => F::Location,
        "emails" => F::Emails,
        "phones" => F::Phones,
        "website" => F::Website,
        "service_forms" => F::ServiceForms,
        "capacity" => F::Capacity,
        "ages_served" => F::AgesServed,
        "groups_served" => F::GroupsServed,
        "bed_profiles" => F::BedProfiles,
        "accessibility" => F::Accessibility,
        "information_openness" => F::InformationOpenness,
        "serves_children" => F::ServesChildren,
        "serves_adults" => F::ServesAdults,
        other => {
            return Err((
                format!("update_mask.{other}"),
                "is not a field that can be updated",
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mails_from_the_published_list_are_told_apart() {
        for good in [
            "gdb1_glav@mail.ru",
            "kausarORC@mail.kz",
            "perinatal.tald@mail.ru",
        ] {
            assert!(email_ok(good), "{good}");
        }
        for bad in [
            "тарaz-odb@mail.ru",
            "obo akbulak@mail.ru",
            "opesko",
            "a@@b.kz",
            "x@kz",
            "@mail.ru",
        ] {
            assert!(!email_ok(bad), "{bad}");
        }
    }

    #[test]
    fn a_centre_needs_a_name_sector_kind_and_known_region() {
        let regions: HashSet<String> = ["KZ-71".to_string()].into();
        let mut v = Violations::new();
        let c = Center {
            bin: "123".into(),
            emails: vec!["bad".into()],
            region_code: "KZ-00".into(),
            ..Center::default()
        };
        check_center(&c, &regions, &mut v);
        let fields: Vec<_> = v.as_slice().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name.kk",
                "bin",
                "sector",
                "kind",
                "region_code",
                "emails[0]"
            ]
        );
    }

    #[test]
    fn staff_keep_contacts_and_the_city_the_rest_checklists_included() {
        for path in ["phones", "emails", "website", "address", "location"] {
            assert!(staff_may_update(path), "{path}");
        }
        for path in [
            "name",
            "bin",
            "capacity",
            "service_forms",
            "sector",
            "accessibility",
            "information_openness",
        ] {
            assert!(!staff_may_update(path), "{path}");
        }
    }

    #[test]
    fn staff_edit_their_centre_within_their_fields_and_others_are_the_city_office() {
        assert!(edits_as_staff(Some(Role::CenterStaff)));
        assert!(!edits_as_staff(Some(Role::CityOperator)));
        assert!(!edits_as_staff(None));
        assert_eq!(center_mask_field("phones", true), Ok(CenterField::Phones));
        assert_eq!(
            center_mask_field("capacity", true),
            Err(("update_mask.capacity".into(), CITY_OFFICE_FIELD))
        );
        assert_eq!(
            center_mask_field("capacity", false),
            Ok(CenterField::Capacity)
        );
        let (field, why) = center_mask_field("nonsense", false).unwrap_err();
        assert_eq!(field, "update_mask.nonsense");
        assert!(why.contains("not a field"));
    }

    #[test]
    fn a_centre_is_known_by_its_bin_or_its_name_in_its_region() {
        assert_eq!(identity(Some("123"), "KZ-71", "Үміт"), "123");
        assert_eq!(identity(None, "KZ-71", "Үміт"), "KZ-71/Үміт");
    }
}
