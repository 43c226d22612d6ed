//! The demo data set's articles, resources and crisis lines: written the way a recovery
//! organisation would, fictional where it names people, real where it points to public help.

use chrono::{DateTime, Duration, Utc};
use hearth_domain::account::AccountId;
use hearth_domain::article::{Article, ArticleContent, ArticleId};
use hearth_domain::content::{Publication, PublicationStatus};
use hearth_domain::crisis;
use hearth_domain::group::{FocusArea, Slug};
use hearth_domain::organization::OrganizationId;
use hearth_domain::resource::{Resource, ResourceDraft, ResourceId, ResourceKind};
use hearth_persistence::{DbConnection, articles, crisis_resources, resources};

use crate::error::ApiError;

struct DemoArticle {
    title: &'static str,
    summary: &'static str,
    body: &'static str,
    topics: &'static [FocusArea],
    tags: &'static [&'static str],
    language: &'static str,
    /// Days from now it was (negative) or will be published.
    published_in_days: i64,
    by_the_clinic: bool,
}

const ARTICLES: [DemoArticle; 4] = [
    DemoArticle {
        title: "Your first meeting",
        summary: "What happens at a peer support meeting, what you can skip, and why nobody \
                  will make you talk.",
        body: "Walking into a first meeting is the hardest part, and everyone in the room \
               remembers theirs.\n\n## What happens\n\nMost meetings open with a short \
               reading, then people take turns to share. You can **always say \"pass\"**: \
               listening is taking part.\n\n## Before you go\n\n- Arrive five or ten minutes \
               early; someone will say hello.\n- Online meetings let you keep your camera \
               off.\n- You only need to give a first name, or none.\n\n## After\n\nStay for \
               coffee if you can. Most people find their footing in the conversations after \
               the meeting.\n\nIf you are in crisis right now, call or text **988** (in the \
               US), day and night.",
        topics: &[FocusArea::Alcohol, FocusArea::Substances],
        tags: &["first-steps", "meetings"],
        language: "en",
        published_in_days: -20,
        by_the_clinic: false,
    },
    DemoArticle {
        title: "Sleep in early recovery",
        summary: "Why sleep goes wrong in the first weeks, and small habits that help.",
        body: "Many people sleep badly for the first weeks after they stop drinking or \
               using. It is common, and it usually improves.\n\n1. Keep the same wake-up \
               time, even after a bad night.\n2. Move your body in daylight.\n3. Cut \
               caffeine after noon.\n4. Talk to a doctor before taking anything to sleep.\n\n\
               | Week | What many people notice |\n|---|---|\n| 1–2 | Broken sleep, vivid \
               dreams |\n| 3–6 | Longer stretches of sleep |\n\nShare how you sleep at your \
               next meeting: you will not be the only one.",
        topics: &[FocusArea::Alcohol, FocusArea::Opioids],
        tags: &["sleep", "wellbeing"],
        language: "en",
        published_in_days: -6,
        by_the_clinic: true,
    },
    DemoArticle {
        title: "Tu primera reunión",
        summary: "Qué pasa en una reunión de apoyo entre pares y por qué nadie te obligará a \
                  hablar.",
        body: "Llegar a la primera reunión es lo más difícil, y todos en la sala recuerdan \
               la suya.\n\n- Puedes decir **\"paso\"** cuando te toque compartir.\n- Solo \
               necesitas un nombre de pila, o ninguno.\n- En las reuniones en línea puedes \
               dejar la cámara apagada.",
        topics: &[FocusArea::Substances],
        tags: &["first-steps", "meetings"],
        language: "es",
        published_in_days: -3,
        by_the_clinic: false,
    },
    DemoArticle {
        title: "Holidays without a drink",
        summary: "A plan for the parties, the family dinners and the quiet evenings.",
        body: "Plan your exits, bring your own drink, and put a meeting in your calendar \
               for the day after every gathering.",
        topics: &[FocusArea::Alcohol, FocusArea::FamilyAndFriends],
        tags: &["holidays", "planning"],
        language: "en",
        published_in_days: 7,
        by_the_clinic: false,
    },
];

/// Writes the demo articles: published, one in Spanish, one of the clinic's, and one
/// scheduled for next week. Answers how many.
pub(crate) fn articles(
    c: &mut DbConnection,
    editor: AccountId,
    clinic: OrganizationId,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    for demo in &ARTICLES {
        let published_at = now + Duration::days(demo.published_in_days);
        let status = if demo.published_in_days > 0 {
            PublicationStatus::Scheduled
        } else {
            PublicationStatus::Published
        };
        let content = ArticleContent {
            title: demo.title.to_owned(),
            summary: demo.summary.to_owned(),
            body: demo.body.to_owned(),
            cover_image_url: None,
            topics: demo.topics.to_vec(),
            tags: demo.tags.iter().map(|tag| (*tag).to_owned()).collect(),
            language: demo.language.to_owned(),
            author_name: if demo.by_the_clinic {
                "Lakeside Recovery Clinic".to_owned()
            } else {
                "Hearth editors".to_owned()
            },
        }
        .check()
        .map_err(ApiError::from_domain_errors)?;
        articles::insert(
            c,
            &Article {
                id: ArticleId::new(),
                slug: Slug::from_name(demo.title),
                content,
                publication: Publication {
                    status,
                    published_at: Some(published_at),
                },
                organization: demo.by_the_clinic.then_some(clinic),
                created_by: Some(editor),
                created_at: published_at.min(now),
                updated_at: published_at.min(now),
            },
        )?;
    }
    Ok(ARTICLES.len())
}

/// Writes the demo resources (public services, real addresses) and answers how many.
pub(crate) fn resources(
    c: &mut DbConnection,
    editor: AccountId,
    now: DateTime<Utc>,
) -> Result<usize, ApiError> {
    let drafts = [
        ResourceDraft {
            name: "FindTreatment.gov".to_owned(),
            description: "SAMHSA's confidential locator of licensed treatment facilities for \
                          substance use and mental health across the US."
                .to_owned(),
            kind: ResourceKind::TreatmentLocator,
            url: Some("https://findtreatment.gov".to_owned()),
            phone: Some("1-800-662-4357".to_owned()),
            email: None,
            region: "US".to_owned(),
            languages: vec!["en".to_owned(), "es".to_owned()],
            topics: vec![FocusArea::Substances, FocusArea::MentalHealth],
            tags: vec!["locator".to_owned(), "samhsa".to_owned()],
        },
        ResourceDraft {
            name: "NEXT Distro".to_owned(),
            description: "Naloxone and other harm-reduction supplies by mail, with training \
                          on how to use them."
                .to_owned(),
            kind: ResourceKind::HarmReduction,
            url: Some("https://nextdistro.org".to_owned()),
            phone: None,
            email: None,
            region: "US".to_owned(),
            languages: vec!["en".to_owned()],
            topics: vec![FocusArea::Opioids],
            tags: vec!["naloxone".to_owned()],
        },
        ResourceDraft {
            name: "Al-Anon Family Groups".to_owned(),
            description: "Meetings for families and friends of people whose drinking \
                          troubles them."
                .to_owned(),
            kind: ResourceKind::FamilySupport,
            url: Some("https://al-anon.org".to_owned()),
            phone: None,
            email: None,
            region: "*".to_owned(),
            languages: vec!["en".to_owned(), "es".to_owned(), "fr".to_owned()],
            topics: vec![FocusArea::FamilyAndFriends, FocusArea::Alcohol],
            tags: vec!["family".to_owned()],
        },
        ResourceDraft {
            name: "211 Texas".to_owned(),
            description: "Local help with housing, food, health care and recovery services \
                          across Texas; dial 2-1-1."
                .to_owned(),
            kind: ResourceKind::Housing,
            url: Some("https://www.211texas.org".to_owned()),
            phone: None,
            email: None,
            region: "US-TX".to_owned(),
            languages: vec!["en".to_owned(), "es".to_owned()],
            topics: vec![FocusArea::Substances],
            tags: vec!["211".to_owned(), "housing".to_owned()],
        },
    ];
    let count = drafts.len();
    for draft in drafts {
        let content = draft.check().map_err(ApiError::from_domain_errors)?;
        resources::insert(
            c,
            &Resource {
                id: ResourceId::new(),
                slug: Slug::from_name(&content.name),
                content,
                publication: Publication {
                    status: PublicationStatus::Published,
                    published_at: Some(now),
                },
                organization: None,
                created_by: Some(editor),
                created_at: now,
                updated_at: now,
            },
        )?;
    }
    Ok(count)
}

/// Stores the built-in crisis lines, so that administrators find them in the database to
/// adjust; the directory answers the same either way.
pub(crate) fn crisis_lines(c: &mut DbConnection, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let lines = crisis::built_in();
    for line in &lines {
        crisis_resources::put(c, line, now)?;
    }
    Ok(lines.len())
}
