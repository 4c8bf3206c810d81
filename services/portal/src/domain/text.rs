//! Texts the services give in two languages, told in the page's.

use onaltu_proto::common::LocalizedText;

use crate::i18n::Lang;

/// `text` in `lang`: Kazakh pages show the Kazakh text, Russian and English pages the Russian
/// (the services keep no English names); the other language when the preferred one is empty.
pub fn localized(text: Option<&LocalizedText>, lang: Lang) -> String {
    let Some(text) = text else {
        return String::new();
    };
    let (first, second) = match lang {
        Lang::Kk => (&text.kk, &text.ru),
        Lang::Ru | Lang::En => (&text.ru, &text.kk),
    };
    if first.trim().is_empty() {
        second.clone()
    } else {
        first.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_language_first_then_the_other() {
        let both = LocalizedText {
            kk: "Орталық".into(),
            ru: "Центр".into(),
        };
        assert_eq!(localized(Some(&both), Lang::Kk), "Орталық");
        assert_eq!(localized(Some(&both), Lang::Ru), "Центр");
        assert_eq!(localized(Some(&both), Lang::En), "Центр");
        let kk_only = LocalizedText {
            kk: "Орталық".into(),
            ru: String::new(),
        };
        assert_eq!(localized(Some(&kk_only), Lang::Ru), "Орталық");
        assert_eq!(localized(None, Lang::Kk), "");
    }
}
