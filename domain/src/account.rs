//! Accounts: who may log in, under which pseudonym, and the rules their credentials follow.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::identifier::identifier;

identifier! {
    /// An account's public identifier.
    pub struct AccountId;
}

/// A platform-wide role. Roles in groups and organisations live with those.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlatformRole {
    /// Everyone.
    Member,
    /// Operators of this Hearth installation.
    Admin,
}

impl PlatformRole {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Admin => "admin",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "member" => Some(Self::Member),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// An email address, trimmed and lower-cased so that one mailbox is one account.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Longest address SMTP can carry.
    pub const MAX_LEN: usize = 254;

    /// Normalises and checks the shape of an address (the confirmation mail proves the rest).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let email = raw.trim().to_lowercase();
        let invalid = || {
            invalid(
                "email",
                "email",
                "must be an email address like name@example.org",
            )
        };
        if email.len() > Self::MAX_LEN || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0
            .rsplit_once('@')
            .map_or(self.0.as_str(), |(local, _)| local)
    }
}

/// Addresses are personal data: logs and debug output see only their shape.
impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = self.0.rsplit_once('@').map_or("", |(_, domain)| domain);
        write!(f, "Email(***@{domain})")
    }
}

/// The pseudonym other members see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Most characters a display name may have.
    pub const MAX_CHARS: usize = 40;

    /// Trims and checks a display name: 1 to 40 characters, no control characters.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let name = raw.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > Self::MAX_CHARS {
            return Err(invalid(
                "display_name",
                "length",
                "must be 1 to 40 characters",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(invalid(
                "display_name",
                "characters",
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as shown.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A language preference as a BCP 47 tag, such as `en`, `pt-BR` or `zh-Hant-TW`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale(String);

impl Locale {
    /// Checks the shape of a BCP 47 tag: a 2–3 letter language, then subtags of 1–8 letters or
    /// digits.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let tag = raw.trim();
        let mut subtags = tag.split('-');
        let language_ok = subtags.next().is_some_and(|l| {
            (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic())
        });
        let rest_ok = subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()));
        if !language_ok || !rest_ok || tag.len() > 35 {
            return Err(invalid(
                "locale",
                "locale",
                "must be a BCP 47 language tag such as en or pt-BR",
            ));
        }
        Ok(Self(tag.to_owned()))
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses an IANA time zone name such as `Europe/Dublin`.
pub fn parse_time_zone(raw: &str) -> Result<chrono_tz::Tz, DomainError> {
    raw.trim().parse().map_err(|_| {
        invalid(
            "time_zone",
            "time_zone",
            "must be an IANA time zone such as Europe/Dublin",
        )
    })
}

/// A change to one's own account: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountPatch {
    /// A new pseudonym.
    pub display_name: Option<DisplayName>,
    /// A new language preference, or none.
    pub locale: Option<Option<Locale>>,
    /// A new time zone, or none.
    pub time_zone: Option<Option<chrono_tz::Tz>>,
}

/// What an erased account shows where others' records still point at it.
pub const FORMER_MEMBER: &str = "Former member";

/// Fewest characters a password may have.
pub const PASSWORD_MIN_CHARS: usize = 10;
/// Most characters a password may have (hashing cost grows with length).
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Refuses passwords that are short, overlong, built from the email address, or guessable
/// (zxcvbn's estimate below "safely unguessable" for online attacks, score 3).
pub fn check_password(
    password: &str,
    email: &Email,
    display_name: &str,
) -> Result<(), DomainError> {
    let chars = password.chars().count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars) {
        return Err(invalid(
            "password",
            "length",
            "must be 10 to 128 characters",
        ));
    }
    let lowered = password.to_lowercase();
    if lowered.contains(email.as_str())
        || (email.local_part().chars().count() >= 3 && lowered.contains(email.local_part()))
    {
        return Err(invalid(
            "password",
            "contains_email",
            "must not contain your email address",
        ));
    }
    let strength = zxcvbn::zxcvbn(
        password,
        &[email.as_str(), email.local_part(), display_name, "hearth"],
    );
    if (strength.score() as u8) < 3 {
        let hint = strength
            .feedback()
            .and_then(|feedback| feedback.warning())
            .map_or_else(
                || "is too easy to guess; try a few unrelated words".to_owned(),
                |warning| format!("is too easy to guess: {warning}"),
            );
        return Err(invalid("password", "weak", &hint));
    }
    Ok(())
}

fn invalid(field: &str, code: &'static str, message: &str) -> DomainError {
    DomainError::Invalid {
        field: field.to_owned(),
        code,
        message: message.to_owned(),
    }
}

/// What a one-time token mailed to an account's owner may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTokenPurpose {
    /// Proving the address belongs to the account's owner.
    ConfirmEmail,
    /// Choosing a new password.
    ResetPassword,
}

impl EmailTokenPurpose {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConfirmEmail => "confirm_email",
            Self::ResetPassword => "reset_password",
        }
    }
}

/// The answer to a token that is unknown, already used or expired: one answer for all three,
/// so a guesser learns nothing.
pub fn token_invalid() -> DomainError {
    invalid(
        "token",
        "invalid_or_expired",
        "is unknown, already used or expired; ask for a new one",
    )
}

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its identifier.
    pub id: AccountId,
    /// The normalised email address.
    pub email: Email,
    /// When the owner proved the address is theirs; `None` until then.
    pub email_confirmed_at: Option<DateTime<Utc>>,
    /// The pseudonym others see.
    pub display_name: DisplayName,
    /// The platform role.
    pub role: PlatformRole,
    /// Preferred language, private to the owner.
    pub locale: Option<Locale>,
    /// Home time zone, private to the owner.
    pub time_zone: Option<chrono_tz::Tz>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account last changed.
    pub updated_at: DateTime<Utc>,
}

impl Account {
    /// Whether the owner may get tokens: only after confirming the address.
    pub fn may_log_in(&self) -> Result<(), DomainError> {
        match self.email_confirmed_at {
            Some(_) => Ok(()),
            None => Err(DomainError::EmailUnconfirmed),
        }
    }
}

/// A registration that passed every rule, ready to store.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Its identifier.
    pub id: AccountId,
    /// The normalised email address.
    pub email: Email,
    /// The pseudonym.
    pub display_name: DisplayName,
    /// The password's hash (PHC string); the password itself is never stored.
    pub password_hash: String,
    /// The moment of registration.
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> Email {
        Email::parse(raw).unwrap()
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            email("  Sam.Doe@Example.ORG ").as_str(),
            "sam.doe@example.org"
        );
        assert_eq!(email("sam@example.org").local_part(), "sam");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for raw in [
            "",
            "sam",
            "sam@",
            "@example.org",
            "sam@example",
            "sam@.org",
            "s am@example.org",
            "sam@example..org",
            &format!("{}@example.org", "a".repeat(65)),
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn email_debug_hides_the_mailbox() {
        assert_eq!(
            format!("{:?}", email("sam@example.org")),
            "Email(***@example.org)"
        );
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  River ").unwrap().as_str(), "River");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"é".repeat(41)).is_err());
        assert!(DisplayName::parse(&"é".repeat(40)).is_ok());
        assert!(DisplayName::parse("bad\u{7}name").is_err());
    }

    #[test]
    fn only_confirmed_accounts_may_log_in() {
        let now = Utc::now();
        let mut account = Account {
            id: AccountId::new(),
            email: email("sam@example.org"),
            email_confirmed_at: None,
            display_name: DisplayName::parse("Sam").unwrap(),
            role: PlatformRole::Member,
            locale: None,
            time_zone: None,
            created_at: now,
            updated_at: now,
        };
        assert_eq!(account.may_log_in(), Err(DomainError::EmailUnconfirmed));
        account.email_confirmed_at = Some(now);
        assert_eq!(account.may_log_in(), Ok(()));
    }

    #[test]
    fn locales_are_bcp47_shaped() {
        for good in ["en", "pt-BR", "zh-Hant-TW", "es-419", "ga"] {
            assert_eq!(Locale::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", "e", "english", "en_GB", "en--GB", "en-toolongsubtag"] {
            assert!(Locale::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert_eq!(
            parse_time_zone("Europe/Dublin").unwrap(),
            chrono_tz::Europe::Dublin
        );
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert!(parse_time_zone("+02:00").is_err());
    }

    fn password_code(password: &str) -> Option<&'static str> {
        match check_password(password, &email("sam.doe@example.org"), "River") {
            Ok(()) => None,
            Err(DomainError::Invalid { code, .. }) => Some(code),
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn passwords_follow_length_email_and_strength_rules() {
        assert_eq!(password_code("short1!"), Some("length"));
        assert_eq!(password_code(&"x".repeat(129)), Some("length"));
        assert_eq!(
            password_code("sam.doe@example.org!2024"),
            Some("contains_email")
        );
        assert_eq!(
            password_code("xyzsam.doeXYZ-lantern-47"),
            Some("contains_email")
        );
        assert_eq!(password_code("password123"), Some("weak"));
        assert_eq!(password_code("qwertyuiop"), Some("weak"));
        assert_eq!(password_code("lantern orbit cactus quiet"), None);
    }
}
