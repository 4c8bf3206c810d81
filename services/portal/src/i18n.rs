//! The portal's languages: Kazakh (the default), Russian and English, each a Fluent catalogue
//! under `locales/` compiled into the binary. A page asks [`Tr`] for every label and message by
//! key; a key missing from any catalogue fails the tests (`every_key_in_every_language`), and a
//! key missing at run time shows the key itself, never an empty label.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language of the portal.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Kazakh, the state language: the default.
    #[default]
    Kk,
    /// Russian.
    Ru,
    /// English.
    En,
}

impl Lang {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Lang; 3] = [Lang::Kk, Lang::Ru, Lang::En];

    /// The BCP 47 code, as written in `lang` attributes, cookies and `?lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// The language's own name, as the switch shows it (in that language, so a reader who
    /// does not read the current one still finds theirs).
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Kk => "Қазақша",
            Lang::Ru => "Русский",
            Lang::En => "English",
        }
    }

    /// The language `code` names (`kk`, `ru`, `en`, any case, a region ignored: `ru-KZ`).
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The first language of an `Accept-Language` header the portal speaks, by the header's
    /// order of preference (q-values), if any.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut ranked: Vec<(f32, usize, Lang)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let lang = Lang::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0).then_some((q, i, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|r| r.2)
    }

    /// The language's catalogue files (`locales/<lang>/<area>.ftl`), one per group of pages.
    fn sources(self) -> &'static [&'static str] {
        macro_rules! catalogue {
            ($lang:literal) => {
                &[
                    include_str!(concat!("../locales/", $lang, "/common.ftl")),
                    include_str!(concat!("../locales/", $lang, "/public.ftl")),
                    include_str!(concat!("../locales/", $lang, "/signin.ftl")),
                    include_str!(concat!("../locales/", $lang, "/citizen.ftl")),
                    include_str!(concat!("../locales/", $lang, "/dispatch.ftl")),
                    include_str!(concat!("../locales/", $lang, "/office.ftl")),
                ]
            };
        }
        match self {
            Lang::Kk => catalogue!("kk"),
            Lang::Ru => catalogue!("ru"),
            Lang::En => catalogue!("en"),
        }
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> Bundle {
    let id: LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: pages are HTML, where they show as noise
    // in some screen readers.
    bundle.set_use_isolating(false);
    for source in lang.sources() {
        let resource =
            FluentResource::try_new(source.to_string()).unwrap_or_else(|(resource, errors)| {
                tracing::error!(lang = lang.code(), ?errors, "a catalogue does not parse");
                resource
            });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(lang = lang.code(), ?errors, "duplicate keys in a catalogue");
        }
    }
    bundle
}

static BUNDLES: LazyLock<[Arc<Bundle>; 3]> =
    LazyLock::new(|| Lang::ALL.map(|lang| Arc::new(bundle(lang))));

/// A number a message counts (`$n`), by value or by reference (templates hold references).
pub trait Count {
    /// The number.
    fn count(&self) -> f64;
}

macro_rules! count {
    ($($t:ty),*) => {$(
        impl Count for $t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn count(&self) -> f64 {
                *self as f64
            }
        }
        impl Count for &$t {
            #[allow(clippy::cast_precision_loss, clippy::cast_lossless)]
            fn count(&self) -> f64 {
                **self as f64
            }
        }
    )*};
}
count!(i32, i64, u32, u64, usize, f64);

/// The translations of one page: labels and messages in its language.
#[derive(Clone)]
pub struct Tr {
    lang: Lang,
    bundle: Arc<Bundle>,
}

impl std::fmt::Debug for Tr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Tr").field(&self.lang).finish()
    }
}

impl Tr {
    /// The translations into `lang`.
    pub fn new(lang: Lang) -> Self {
        let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0);
        Self {
            lang,
            bundle: BUNDLES[index].clone(),
        }
    }

    /// The page's language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with the number `$n` (plural forms follow the language's rules).
    pub fn n(&self, key: &str, n: impl Count) -> String {
        let mut args = FluentArgs::new();
        args.set("n", FluentValue::from(n.count()));
        self.format(key, Some(&args))
    }

    /// The message `key` with the text `$name` = `value`.
    pub fn s(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), FluentValue::from(value.to_string()));
        self.format(key, Some(&args))
    }

    /// The message `key` with several arguments.
    pub fn args(&self, key: &str, values: &[(&str, FluentValue<'_>)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set(name.to_string(), value.clone());
        }
        self.format(key, Some(&args))
    }

    /// Whether the catalogue has `key`.
    pub fn has(&self, key: &str) -> bool {
        self.bundle.has_message(key)
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::warn!(lang = self.lang.code(), key, "no translation");
            return key.to_string();
        };
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(
                lang = self.lang.code(),
                key,
                ?errors,
                "translation arguments"
            );
        }
        text.into_owned()
    }
}

/// The message keys of a catalogue source (top-level `key = …` lines; terms and attributes
/// aside).
pub fn keys_of(source: &str) -> BTreeSet<String> {
    source
        .lines()
        .filter_map(|line| {
            let (key, _) = line.split_once('=')?;
            let key = key.trim_end();
            let first = key.chars().next()?;
            (first.is_ascii_alphabetic()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .then(|| key.to_string())
        })
        .collect()
}

/// The message keys of `lang`'s catalogue.
pub fn catalogue_keys(lang: Lang) -> BTreeSet<String> {
    lang.sources().iter().flat_map(|s| keys_of(s)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_key_in_every_language() {
        let all: BTreeSet<String> = Lang::ALL.iter().flat_map(|l| catalogue_keys(*l)).collect();
        for lang in Lang::ALL {
            let own = catalogue_keys(lang);
            let missing: Vec<_> = all.difference(&own).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
        }
    }

    #[test]
    fn every_catalogue_parses() {
        for lang in Lang::ALL {
            for source in lang.sources() {
                assert!(
                    FluentResource::try_new(source.to_string()).is_ok(),
                    "a catalogue of {} does not parse",
                    lang.code()
                );
            }
            let keys: usize = lang.sources().iter().map(|s| keys_of(s).len()).sum();
            assert_eq!(
                keys,
                catalogue_keys(lang).len(),
                "a key of {} is defined twice",
                lang.code()
            );
        }
    }

    /// Every key a template or the code asks for (`t("…")`, `n("…"`, `s("…"`) is in the
    /// catalogues.
    #[test]
    fn every_key_asked_for_exists() {
        let known = catalogue_keys(Lang::En);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut asked = BTreeSet::new();
        for sub in ["templates", "src", "src/pages", "src/domain"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                if path.is_file() {
                    asked.extend(asked_keys(&std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        assert!(
            asked.len() > 10,
            "found only {} keys asked for",
            asked.len()
        );
        let missing: Vec<_> = asked.difference(&known).collect();
        assert!(missing.is_empty(), "no translation for {missing:?}");
    }

    fn asked_keys(text: &str) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for marker in ["t(\"", "n(\"", "s(\"", "args(\""] {
            for (i, _) in text.match_indices(marker) {
                let rest = &text[i + marker.len()..];
                let preceded = text[..i].ends_with('.');
                if let Some(end) = rest.find('"')
                    && preceded
                {
                    let key = &rest[..end];
                    if key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                        && !key.is_empty()
                    {
                        keys.insert(key.to_string());
                    }
                }
            }
        }
        keys
    }

    #[test]
    fn language_from_headers() {
        assert_eq!(Lang::parse("ru-KZ"), Some(Lang::Ru));
        assert_eq!(Lang::parse("KK"), Some(Lang::Kk));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(
            Lang::from_accept_language("de-DE, en;q=0.5, ru;q=0.9"),
            Some(Lang::Ru)
        );
        assert_eq!(Lang::from_accept_language("de, fr;q=0.5"), None);
        assert_eq!(Lang::from_accept_language("en;q=0, kk"), Some(Lang::Kk));
    }

    #[test]
    fn plurals_follow_the_language() {
        let ru = Tr::new(Lang::Ru);
        assert_ne!(ru.n("evaluations-count", 1), ru.n("evaluations-count", 5));
        assert!(ru.n("evaluations-count", 21).contains("21"));
        let unknown = "no-such-key";
        assert_eq!(Tr::new(Lang::En).t(unknown), unknown);
    }
}
