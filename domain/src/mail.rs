//! Messages Hearth sends to account owners.

use crate::Sensitive;

/// An email to one recipient. The body may carry a one-time token, so it is `Sensitive`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    /// The normalised address.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: Sensitive<String>,
}

/// How long an email confirmation code stays valid.
pub const CONFIRMATION_VALID_HOURS: i64 = 24;

/// The line of a confirmation mail that carries the code, for apps and tests that read it.
pub const CONFIRMATION_CODE_PREFIX: &str = "Your confirmation code: ";

/// The mail that lets a new member prove the address is theirs.
pub fn confirm_email(recipient: &str, display_name: &str, code: &str) -> OutgoingEmail {
    OutgoingEmail {
        recipient: recipient.to_owned(),
        subject: "Confirm your email address for Hearth".to_owned(),
        body: Sensitive::new(format!(
            "Hello {display_name},\n\n\
             Welcome to Hearth. To finish creating your account, enter this code in the app:\n\n\
             {CONFIRMATION_CODE_PREFIX}{code}\n\n\
             The code works once and for {CONFIRMATION_VALID_HOURS} hours. If you did not sign \
             up, ignore this message: no account will be usable with this address.\n"
        )),
    }
}

/// The mail sent instead of a confirmation when someone registers an address that already has
/// an account: the owner learns of it, the person registering learns nothing.
pub fn already_registered(recipient: &str) -> OutgoingEmail {
    OutgoingEmail {
        recipient: recipient.to_owned(),
        subject: "Someone tried to create a Hearth account with your address".to_owned(),
        body: Sensitive::new(
            "Hello,\n\n\
             Someone just tried to create a Hearth account with this email address, which \
             already has one. Nothing about your account changed.\n\n\
             If it was you, log in as usual, or reset your password if you have forgotten it. \
             If it was not you, you can ignore this message.\n"
                .to_owned(),
        ),
    }
}

/// The notice that an account's password changed, so a hijack does not go unnoticed.
pub fn password_changed(recipient: &str) -> OutgoingEmail {
    OutgoingEmail {
        recipient: recipient.to_owned(),
        subject: "Your Hearth password was changed".to_owned(),
        body: Sensitive::new(
            "Hello,\n\n\
             The password of your Hearth account was just changed, and every other device was \
             logged out. If this was you, there is nothing to do. If it was not, reset your \
             password now.\n"
                .to_owned(),
        ),
    }
}

/// How long a password reset code stays valid.
pub const RESET_VALID_MINUTES: i64 = 30;

/// The line of a reset mail that carries the code.
pub const RESET_CODE_PREFIX: &str = "Your reset code: ";

/// The mail with a code to choose a new password.
pub fn reset_password(recipient: &str, code: &str) -> OutgoingEmail {
    OutgoingEmail {
        recipient: recipient.to_owned(),
        subject: "Reset your Hearth password".to_owned(),
        body: Sensitive::new(format!(
            "Hello,\n\n\
             Someone asked to reset the password of the Hearth account with this address. To \
             choose a new password, enter this code in the app:\n\n\
             {RESET_CODE_PREFIX}{code}\n\n\
             The code works once and for {RESET_VALID_MINUTES} minutes. If you did not ask, \
             ignore this message: your password stays as it is.\n"
        )),
    }
}
