//! Crisis resources: where a person in distress is pointed from every page that may find them
//! there. A built-in set answers when nothing else can (the database down, an installation
//! nobody has configured yet); administrators override it and add to it by slug.

use crate::DomainError;
use crate::error::kept;
use crate::group::{Slug, is_https_url, parse_languages, parse_text};

/// Where a resource serves.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Region {
    /// Everywhere: directories of helplines, what to do in an emergency anywhere.
    Anywhere,
    /// A country, by its ISO 3166-1 alpha-2 code (`US`).
    Country(String),
    /// A part of a country, by its ISO 3166-2 code (`US-CA`).
    Subdivision(String),
}

impl Region {
    /// Reads `*`, `US` or `US-CA` (any case); errors name `field`.
    pub fn parse(raw: &str, field: &str) -> Result<Self, DomainError> {
        let code = raw.trim().to_ascii_uppercase();
        let is_country =
            |part: &str| part.len() == 2 && part.chars().all(|c| c.is_ascii_uppercase());
        match code.split_once('-') {
            _ if code == "*" => Ok(Self::Anywhere),
            None if is_country(&code) => Ok(Self::Country(code)),
            Some((country, part))
                if is_country(country)
                    && (1..=3).contains(&part.len())
                    && part.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                Ok(Self::Subdivision(code))
            }
            _ => Err(DomainError::Invalid {
                field: field.to_owned(),
                code: "region",
                message: "must be an ISO 3166-1 country code such as US, an ISO 3166-2 code \
                          such as US-CA, or * for everywhere"
                    .to_owned(),
            }),
        }
    }

    /// `*`, `US` or `US-CA`.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Anywhere => "*",
            Self::Country(code) | Self::Subdivision(code) => code,
        }
    }

    /// Whether a resource of this region serves someone in `place`.
    pub fn serves(&self, place: &Region) -> bool {
        match (self, place) {
            (Self::Anywhere, _) => true,
            (Self::Country(own), Self::Subdivision(there)) => there
                .split_once('-')
                .is_some_and(|(country, _)| country == own.as_str()),
            (own, there) => own == there,
        }
    }

    /// The more local, the sooner listed.
    fn specificity(&self) -> u8 {
        match self {
            Self::Subdivision(_) => 0,
            Self::Country(_) => 1,
            Self::Anywhere => 2,
        }
    }
}

/// One helpline, text line, chat or emergency number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrisisResource {
    /// Stable name; an administrator's entry with a built-in slug replaces the built-in.
    pub slug: Slug,
    /// What people call it.
    pub name: String,
    /// Who it is for and what happens when one reaches out, in a sentence or two.
    pub description: String,
    /// Where it serves.
    pub region: Region,
    /// Languages it answers in (BCP 47).
    pub languages: Vec<String>,
    /// Number to call.
    pub phone: Option<String>,
    /// Number to text.
    pub text_number: Option<String>,
    /// What to text, where the line asks for a word.
    pub text_keyword: Option<String>,
    /// Where to chat (https).
    pub chat_url: Option<String>,
    /// Its website (https).
    pub website: Option<String>,
    /// When it answers, such as `24/7`.
    pub hours: String,
    /// Order among the resources of one region: lower first.
    pub position: u32,
    /// Whether it is withheld (an administrator's entry that withdraws a built-in one).
    pub withdrawn: bool,
}

/// Most characters of a description.
pub const DESCRIPTION_MAX: usize = 500;

impl CrisisResource {
    /// Checks what an administrator wrote: a name, a description, languages, hours, and at
    /// least one way to reach the resource, each in its shape. Every broken rule is reported.
    pub fn check(self) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let name = kept(required_text(&self.name, "name", 100), &mut errors);
        let description = kept(
            required_text(&self.description, "description", DESCRIPTION_MAX),
            &mut errors,
        );
        let hours = kept(required_text(&self.hours, "hours", 60), &mut errors);
        let languages = kept(parse_languages(&self.languages), &mut errors);
        for (field, number) in [("phone", &self.phone), ("text_number", &self.text_number)] {
            if number.as_deref().is_some_and(|n| !is_dialable(n)) {
                errors.push(invalid(
                    field,
                    "phone",
                    "must be 2 to 15 digits, with spaces, +, -, ( and ) between them",
                ));
            }
        }
        if let Some(keyword) = &self.text_keyword {
            if self.text_number.is_none() {
                errors.push(invalid("text_keyword", "requires", "needs a text_number"));
            } else if !(1..=20).contains(&keyword.len())
                || !keyword.chars().all(|c| c.is_ascii_alphanumeric())
            {
                errors.push(invalid(
                    "text_keyword",
                    "keyword",
                    "must be 1 to 20 letters or digits",
                ));
            }
        }
        for (field, url) in [("chat_url", &self.chat_url), ("website", &self.website)] {
            if url.as_deref().is_some_and(|url| !is_https_url(url)) {
                errors.push(invalid(field, "url", "must be an https URL"));
            }
        }
        if self.phone.is_none()
            && self.text_number.is_none()
            && self.chat_url.is_none()
            && self.website.is_none()
        {
            errors.push(invalid(
                "phone",
                "required",
                "give at least one way to reach it: phone, text_number, chat_url or website",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            name,
            description,
            hours,
            languages,
            ..self
        })
    }

    /// Whether it answers in `language` (`es` matches `es-MX` and the other way round).
    pub fn speaks(&self, language: &str) -> bool {
        let primary = |tag: &str| {
            tag.split('-')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let wanted = primary(language);
        self.languages.iter().any(|own| primary(own) == wanted)
    }
}

fn required_text(raw: &str, field: &str, max: usize) -> Result<String, DomainError> {
    parse_text(Some(raw), field, max)?
        .ok_or_else(|| invalid(field, "required", "must not be empty"))
}

fn invalid(field: &str, code: &'static str, message: &str) -> DomainError {
    DomainError::Invalid {
        field: field.to_owned(),
        code,
        message: message.to_owned(),
    }
}

/// A number a phone can dial or text: short codes such as 988 count.
fn is_dialable(value: &str) -> bool {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    (2..=15).contains(&digits)
        && value.len() <= 30
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

/// The built-in resources overlaid with the administrators' entries (same slug: replaced; a
/// withdrawn entry removes its slug), without the withdrawn ones.
pub fn directory(overrides: Vec<CrisisResource>) -> Vec<CrisisResource> {
    let mut all: Vec<CrisisResource> = built_in()
        .into_iter()
        .filter(|own| !overrides.iter().any(|other| other.slug == own.slug))
        .collect();
    all.extend(overrides);
    all.retain(|resource| !resource.withdrawn);
    all
}

/// The resources for someone in `place` (everything without one) who reads `language`: those
/// in their language first, then the most local, then by position. A language orders and
/// never hides: a helpline with interpreters beats no helpline.
pub fn for_reader(
    mut resources: Vec<CrisisResource>,
    place: Option<&Region>,
    language: Option<&str>,
) -> Vec<CrisisResource> {
    if let Some(place) = place {
        resources.retain(|resource| resource.region.serves(place));
    }
    let speaks = |resource: &CrisisResource| language.is_none_or(|l| resource.speaks(l));
    resources.sort_by(|a, b| {
        speaks(b)
            .cmp(&speaks(a))
            .then_with(|| match place {
                Some(_) => a.region.specificity().cmp(&b.region.specificity()),
                None => a.region.as_str().cmp(b.region.as_str()),
            })
            .then(a.position.cmp(&b.position))
            .then_with(|| a.slug.as_str().cmp(b.slug.as_str()))
    });
    resources
}

/// What every installation knows without being told: national lines of the countries Hearth
/// is used in most, and a worldwide directory for everywhere else. Numbers as each service
/// publishes them.
pub fn built_in() -> Vec<CrisisResource> {
    let line = |slug: &str,
                name: &str,
                description: &str,
                region: Region,
                languages: &[&str],
                position: u32| CrisisResource {
        slug: Slug::from_stored(slug.to_owned()),
        name: name.to_owned(),
        description: description.to_owned(),
        region,
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        phone: None,
        text_number: None,
        text_keyword: None,
        chat_url: None,
        website: None,
        hours: "24/7".to_owned(),
        position,
        withdrawn: false,
    };
    let us = || Region::Country("US".to_owned());
    vec![
        CrisisResource {
            phone: Some("988".to_owned()),
            text_number: Some("988".to_owned()),
            chat_url: Some("https://988lifeline.org/chat/".to_owned()),
            website: Some("https://988lifeline.org/".to_owned()),
            ..line(
                "us-988-lifeline",
                "988 Suicide & Crisis Lifeline",
                "Free, confidential support for anyone in suicidal crisis, emotional distress \
                 or a substance use crisis. Call or text 988; press 2 for Spanish.",
                us(),
                &["en", "es"],
                10,
            )
        },
        CrisisResource {
            phone: Some("1-800-662-4357".to_owned()),
            website: Some("https://www.samhsa.gov/find-help/national-helpline".to_owned()),
            ..line(
                "us-samhsa-helpline",
                "SAMHSA National Helpline",
                "Free, confidential treatment referral and information about mental health \
                 and substance use, for individuals and families, in English and Spanish.",
                us(),
                &["en", "es"],
                20,
            )
        },
        CrisisResource {
            text_number: Some("741741".to_owned()),
            text_keyword: Some("HOME".to_owned()),
            website: Some("https://www.crisistextline.org/".to_owned()),
            ..line(
                "us-crisis-text-line",
                "Crisis Text Line",
                "Text HOME to 741741 to reach a trained crisis counselor.",
                us(),
                &["en"],
                30,
            )
        },
        CrisisResource {
            phone: Some("988".to_owned()),
            text_number: Some("838255".to_owned()),
            website: Some("https://www.veteranscrisisline.net/".to_owned()),
            ..line(
                "us-veterans-crisis-line",
                "Veterans Crisis Line",
                "For veterans, service members and those who support them: dial 988 and \
                 press 1, or text 838255.",
                us(),
                &["en"],
                40,
            )
        },
        CrisisResource {
            phone: Some("911".to_owned()),
            ..line(
                "us-emergency",
                "Emergency services",
                "If your life or someone else's is in immediate danger, call 911.",
                us(),
                &["en", "es"],
                5,
            )
        },
        CrisisResource {
            phone: Some("988".to_owned()),
            text_number: Some("988".to_owned()),
            website: Some("https://988.ca/".to_owned()),
            ..line(
                "ca-988-helpline",
                "9-8-8 Suicide Crisis Helpline",
                "Call or text 9-8-8 for support when thinking about suicide, in English or \
                 French.",
                Region::Country("CA".to_owned()),
                &["en", "fr"],
                10,
            )
        },
        CrisisResource {
            phone: Some("911".to_owned()),
            ..line(
                "ca-emergency",
                "Emergency services",
                "If your life or someone else's is in immediate danger, call 911.",
                Region::Country("CA".to_owned()),
                &["en", "fr"],
                5,
            )
        },
        CrisisResource {
            phone: Some("116 123".to_owned()),
            website: Some("https://www.samaritans.org/".to_owned()),
            ..line(
                "gb-samaritans",
                "Samaritans",
                "Whatever you are going through, call 116 123 free, day or night.",
                Region::Country("GB".to_owned()),
                &["en"],
                10,
            )
        },
        CrisisResource {
            phone: Some("999".to_owned()),
            ..line(
                "gb-emergency",
                "Emergency services",
                "If your life or someone else's is in immediate danger, call 999.",
                Region::Country("GB".to_owned()),
                &["en"],
                5,
            )
        },
        CrisisResource {
            phone: Some("13 11 14".to_owned()),
            website: Some("https://www.lifeline.org.au/".to_owned()),
            ..line(
                "au-lifeline",
                "Lifeline",
                "Crisis support and suicide prevention: call 13 11 14.",
                Region::Country("AU".to_owned()),
                &["en"],
                10,
            )
        },
        CrisisResource {
            phone: Some("000".to_owned()),
            ..line(
                "au-emergency",
                "Emergency services",
                "If your life or someone else's is in immediate danger, call 000.",
                Region::Country("AU".to_owned()),
                &["en"],
                5,
            )
        },
        CrisisResource {
            website: Some("https://findahelpline.com/".to_owned()),
            ..line(
                "findahelpline",
                "Find A Helpline",
                "Free, confidential helplines around the world, by country and topic. If you \
                 are in immediate danger, call your local emergency number.",
                Region::Anywhere,
                &["en"],
                100,
            )
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slugs(resources: &[CrisisResource]) -> Vec<&str> {
        resources.iter().map(|r| r.slug.as_str()).collect()
    }

    #[test]
    fn every_built_in_resource_passes_the_checks_administrators_face() {
        for resource in built_in() {
            let slug = resource.slug.clone();
            assert_eq!(resource.clone().check(), Ok(resource), "{slug:?}");
            assert!(Slug::parse(slug.as_str()).is_ok(), "{slug:?}");
        }
    }

    #[test]
    fn regions_read_countries_subdivisions_and_everywhere() {
        assert_eq!(
            Region::parse("us", "region"),
            Ok(Region::Country("US".into()))
        );
        assert_eq!(
            Region::parse("US-ca", "region"),
            Ok(Region::Subdivision("US-CA".into()))
        );
        assert_eq!(Region::parse("*", "region"), Ok(Region::Anywhere));
        for bad in ["", "USA", "U", "US-", "US-CALI", "1S", "US_CA"] {
            assert!(Region::parse(bad, "region").is_err(), "{bad}");
        }
        let california = Region::Subdivision("US-CA".into());
        assert!(Region::Country("US".into()).serves(&california));
        assert!(!Region::Country("CA".into()).serves(&california));
        assert!(!Region::Subdivision("US-NY".into()).serves(&california));
    }

    #[test]
    fn a_reader_gets_the_local_lines_in_their_language_first() {
        let us = for_reader(
            directory(Vec::new()),
            Some(&Region::Country("US".into())),
            None,
        );
        assert_eq!(
            slugs(&us),
            [
                "us-emergency",
                "us-988-lifeline",
                "us-samhsa-helpline",
                "us-crisis-text-line",
                "us-veterans-crisis-line",
                "findahelpline"
            ]
        );
        let spanish = for_reader(
            directory(Vec::new()),
            Some(&Region::Country("US".into())),
            Some("es-MX"),
        );
        assert_eq!(
            slugs(&spanish)[..3],
            ["us-emergency", "us-988-lifeline", "us-samhsa-helpline"]
        );
        assert_eq!(spanish.len(), us.len(), "a language orders, never hides");
        let elsewhere = for_reader(
            directory(Vec::new()),
            Some(&Region::Country("FR".into())),
            Some("fr"),
        );
        assert_eq!(slugs(&elsewhere), ["findahelpline"]);
    }

    #[test]
    fn administrators_replace_withdraw_and_add_by_slug() {
        let mut samhsa = built_in()
            .into_iter()
            .find(|r| r.slug.as_str() == "us-samhsa-helpline")
            .unwrap();
        samhsa.hours = "Around the clock".into();
        let mut text_line = built_in()
            .into_iter()
            .find(|r| r.slug.as_str() == "us-crisis-text-line")
            .unwrap();
        text_line.withdrawn = true;
        let warmline = CrisisResource {
            slug: Slug::parse("ca-peer-warmline").unwrap(),
            region: Region::Subdivision("US-CA".into()),
            ..samhsa.clone()
        };
        let all = directory(vec![samhsa, text_line, warmline]);
        let california = for_reader(
            all.clone(),
            Some(&Region::Subdivision("US-CA".into())),
            None,
        );
        assert_eq!(slugs(&california)[0], "ca-peer-warmline");
        assert!(!slugs(&california).contains(&"us-crisis-text-line"));
        assert_eq!(
            california
                .iter()
                .find(|r| r.slug.as_str() == "us-samhsa-helpline")
                .unwrap()
                .hours,
            "Around the clock"
        );
        let new_york = for_reader(all, Some(&Region::Subdivision("US-NY".into())), None);
        assert!(!slugs(&new_york).contains(&"ca-peer-warmline"));
    }

    #[test]
    fn an_entry_needs_a_way_to_reach_it_in_a_sane_shape() {
        let base = built_in().into_iter().next().unwrap();
        let codes = |resource: CrisisResource| -> Vec<(String, &'static str)> {
            resource
                .check()
                .unwrap_err()
                .into_iter()
                .map(|error| match error {
                    DomainError::Invalid { field, code, .. } => (field, code),
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        let unreachable = CrisisResource {
            phone: None,
            text_number: None,
            chat_url: None,
            website: None,
            ..base.clone()
        };
        assert_eq!(codes(unreachable), [("phone".to_owned(), "required")]);
        let plain_http = CrisisResource {
            website: Some("http://example.org".into()),
            chat_url: Some("ftp://x".into()),
            ..base.clone()
        };
        assert_eq!(
            codes(plain_http),
            [
                ("chat_url".to_owned(), "url"),
                ("website".to_owned(), "url")
            ]
        );
        let letters = CrisisResource {
            phone: Some("call us".into()),
            ..base.clone()
        };
        assert_eq!(codes(letters), [("phone".to_owned(), "phone")]);
        let keyword_alone = CrisisResource {
            text_number: None,
            text_keyword: Some("HOME".into()),
            ..base.clone()
        };
        assert_eq!(
            codes(keyword_alone),
            [("text_keyword".to_owned(), "requires")]
        );
        let blank = CrisisResource {
            name: "  ".into(),
            hours: String::new(),
            ..base
        };
        assert_eq!(
            codes(blank),
            [
                ("name".to_owned(), "required"),
                ("hours".to_owned(), "required")
            ]
        );
    }
}
