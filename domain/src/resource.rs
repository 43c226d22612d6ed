//! Resources: where to find help beyond the groups (treatment locators, harm-reduction
//! services, family support), for a region and in languages, published as articles are.

use chrono::{DateTime, Utc};

use crate::DomainError;
use crate::account::{AccountId, Email};
use crate::content::{Publication, Publishable, parse_keywords, required};
use crate::crisis::Region;
use crate::error::kept;
use crate::group::{
    FocusArea, Slug, is_https_url, is_phone, parse_languages, parse_tags, parse_text,
};
use crate::identifier::identifier;
use crate::organization::OrganizationId;
use crate::vocabulary::vocabulary;

identifier! {
    /// A resource's public identifier.
    pub struct ResourceId;
}

vocabulary! {
    /// What kind of help a resource offers.
    pub enum ResourceKind {
        /// Finds treatment: SAMHSA's FindTreatment.gov, state locators.
        TreatmentLocator = "treatment_locator",
        /// Naloxone, syringe services, drug checking.
        HarmReduction = "harm_reduction",
        /// For families and friends.
        FamilySupport = "family_support",
        /// Mutual-aid fellowships beyond Hearth's groups.
        MutualAid = "mutual_aid",
        /// Sober living and housing help.
        Housing = "housing",
        /// Work and training.
        Employment = "employment",
        /// Legal aid.
        Legal = "legal",
        /// Health care and clinics.
        HealthCare = "health_care",
        /// Anything else.
        Other = "other",
    }
}

/// A resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Its id.
    pub id: ResourceId,
    /// Its unique address.
    pub slug: Slug,
    /// What its editors wrote.
    pub content: ResourceContent,
    /// Where it stands.
    pub publication: Publication,
    /// The organisation whose content it is (its staff edit it); `None` for the platform's.
    pub organization: Option<OrganizationId>,
    /// The editor who created it.
    pub created_by: Option<AccountId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// What editors write about a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceContent {
    /// 1 to 200 characters.
    pub name: String,
    /// Up to [`DESCRIPTION_MAX`] characters.
    pub description: String,
    /// What kind of help.
    pub kind: ResourceKind,
    /// Its `https` website.
    pub url: Option<String>,
    /// A phone number.
    pub phone: Option<String>,
    /// An email address.
    pub email: Option<String>,
    /// Where it serves.
    pub region: Region,
    /// Languages it serves in.
    pub languages: Vec<String>,
    /// What it helps with.
    pub topics: Vec<FocusArea>,
    /// Free keywords.
    pub tags: Vec<String>,
}

/// What an editor sends about a resource, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceDraft {
    /// 1 to 200 characters.
    pub name: String,
    /// Up to [`DESCRIPTION_MAX`] characters.
    pub description: String,
    /// What kind of help.
    pub kind: ResourceKind,
    /// Its `https` website.
    pub url: Option<String>,
    /// A phone number.
    pub phone: Option<String>,
    /// An email address.
    pub email: Option<String>,
    /// `*`, a country or a subdivision code.
    pub region: String,
    /// Languages it serves in.
    pub languages: Vec<String>,
    /// What it helps with.
    pub topics: Vec<FocusArea>,
    /// Free keywords.
    pub tags: Vec<String>,
}

impl From<ResourceContent> for ResourceDraft {
    fn from(content: ResourceContent) -> Self {
        Self {
            region: content.region.as_str().to_owned(),
            name: content.name,
            description: content.description,
            kind: content.kind,
            url: content.url,
            phone: content.phone,
            email: content.email,
            languages: content.languages,
            topics: content.topics,
            tags: content.tags,
        }
    }
}

/// Most characters of a description.
pub const DESCRIPTION_MAX: usize = 1000;

impl ResourceDraft {
    /// Checks what an editor wrote, reporting every broken rule; at least one way to reach
    /// the resource is required.
    pub fn check(self) -> Result<ResourceContent, Vec<DomainError>> {
        let mut errors = Vec::new();
        let name = kept(required(&self.name, "name", 200), &mut errors);
        let contact = |raw: &Option<String>| raw.as_deref().map(str::trim).map(str::to_owned);
        let (url, phone, email) = (
            contact(&self.url),
            contact(&self.phone),
            contact(&self.email),
        );
        if url.as_deref().is_some_and(|url| !is_https_url(url)) {
            errors.push(invalid("url", "url", "must be an https URL"));
        }
        if phone.as_deref().is_some_and(|phone| !is_phone(phone)) {
            errors.push(invalid(
                "phone",
                "phone",
                "must be 7 to 15 digits, with spaces, +, -, (, ) and . between them",
            ));
        }
        let email = match email.as_deref().map(Email::parse) {
            Some(Ok(email)) => Some(email.as_str().to_owned()),
            Some(Err(_)) => {
                errors.push(invalid("email", "email", "must be an email address"));
                None
            }
            None => None,
        };
        if url.is_none() && phone.is_none() && email.is_none() {
            errors.push(invalid(
                "url",
                "required",
                "give at least one way to reach it: url, phone or email",
            ));
        }
        let region = Region::parse(&self.region, "region")
            .map_err(|error| errors.push(error))
            .ok();
        let checked = ResourceContent {
            name,
            description: kept(
                parse_text(Some(&self.description), "description", DESCRIPTION_MAX),
                &mut errors,
            )
            .unwrap_or_default(),
            kind: self.kind,
            url,
            phone,
            email,
            region: region.unwrap_or(Region::Anywhere),
            languages: kept(parse_languages(&self.languages), &mut errors),
            topics: kept(parse_tags(&self.topics, "topics"), &mut errors),
            tags: kept(parse_keywords(&self.tags), &mut errors),
        };
        if errors.is_empty() {
            Ok(checked)
        } else {
            Err(errors)
        }
    }
}

impl ResourceContent {
    /// Text a search matches against, lower-cased, so both databases compare it the same way.
    pub fn search_text(&self) -> String {
        [&self.name, &self.description, &self.tags.join(" ")]
            .map(|part| part.to_lowercase())
            .join("\n")
    }
}

fn invalid(field: &str, code: &'static str, message: &str) -> DomainError {
    DomainError::Invalid {
        field: field.to_owned(),
        code,
        message: message.to_owned(),
    }
}

impl Publishable for Resource {
    fn key(&self) -> uuid::Uuid {
        self.id.0
    }

    fn publication(&self) -> Publication {
        self.publication
    }

    fn owner(&self) -> Option<OrganizationId> {
        self.organization
    }

    fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> ResourceDraft {
        ResourceDraft {
            name: " FindTreatment.gov ".to_owned(),
            description: "Treatment facilities across the US.".to_owned(),
            kind: ResourceKind::TreatmentLocator,
            url: Some("https://findtreatment.gov".to_owned()),
            phone: None,
            email: None,
            region: "us".to_owned(),
            languages: vec!["en".to_owned(), "es".to_owned()],
            topics: vec![FocusArea::Substances],
            tags: vec!["Locator".to_owned()],
        }
    }

    #[test]
    fn a_resource_needs_a_name_and_a_way_to_reach_it() {
        let checked = content().check().unwrap();
        assert_eq!(
            (checked.name.as_str(), checked.tags, checked.region),
            (
                "FindTreatment.gov",
                vec!["locator".to_owned()],
                Region::Country("US".to_owned())
            )
        );
        let fields = |content: ResourceDraft| -> Vec<String> {
            content
                .check()
                .unwrap_err()
                .into_iter()
                .map(|error| match error {
                    DomainError::Invalid { field, .. } => field,
                    other => panic!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(
            fields(ResourceDraft {
                name: " ".to_owned(),
                url: None,
                region: "Texas".to_owned(),
                ..content()
            }),
            ["name", "url", "region"]
        );
        assert_eq!(
            fields(ResourceDraft {
                url: Some("http://insecure.example.org".to_owned()),
                phone: Some("12".to_owned()),
                email: Some("nobody".to_owned()),
                languages: Vec::new(),
                ..content()
            }),
            ["url", "phone", "email", "languages"]
        );
    }
}
