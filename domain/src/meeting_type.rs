//! Meeting Guide type codes: the 87 active codes of the Meeting Guide specification
//! (code4recovery/spec, `data/types.json`; MIT licence, see `../shared/reference/meeting-guide/`).
//! `ONL` (online) is not among them: it follows from a meeting's attendance mode.

use crate::vocabulary::vocabulary;

vocabulary! {
    /// A Meeting Guide meeting type code.
    pub enum MeetingType {
        /// 11th Step Meditation (format).
        EleventhStepMeditation = "11",
        /// 12 Steps & 12 Traditions (format).
        TwelveStepsAndTwelveTraditions = "12x12",
        /// Secular (format).
        Secular = "A",
        /// As Bill Sees It (format).
        AsBillSeesIt = "ABSI",
        /// Afrikaans (language).
        Afrikaans = "AF",
        /// Concurrent with Alateen (logistics).
        ConcurrentWithAlateen = "AL",
        /// Concurrent with Al-Anon (logistics).
        ConcurrentWithAlAnon = "AL-AN",
        /// Amharic (language).
        Amharic = "AM",
        /// Arabic (language).
        Arabic = "AR",
        /// American Sign Language (accessibility).
        AmericanSignLanguage = "ASL",
        /// Big Book (format).
        BigBook = "B",
        /// Babysitting Available (logistics).
        BabysittingAvailable = "BA",
        /// Newcomer (audience).
        Newcomer = "BE",
        /// Bulgarian (language).
        Bulgarian = "BG",
        /// Bisexual (audience).
        Bisexual = "BI",
        /// Breakfast (logistics).
        Breakfast = "BRK",
        /// Closed (open closed).
        Closed = "C",
        /// Candlelight (logistics).
        Candlelight = "CAN",
        /// Child-Friendly (logistics).
        ChildFriendly = "CF",
        /// Discussion (format).
        Discussion = "D",
        /// Danish (language).
        Danish = "DA",
        /// Digital Basket (logistics).
        DigitalBasket = "DB",
        /// Dual Diagnosis (audience).
        DualDiagnosis = "DD",
        /// German (language).
        German = "DE",
        /// Daily Reflections (format).
        DailyReflections = "DR",
        /// Greek (language).
        Greek = "EL",
        /// English (language).
        English = "EN",
        /// Persian (language).
        Persian = "FA",
        /// Finnish (language).
        Finnish = "FI",
        /// Fragrance Free (accessibility).
        FragranceFree = "FF",
        /// French (language).
        French = "FR",
        /// Gay (audience).
        Gay = "G",
        /// Grapevine (format).
        Grapevine = "GR",
        /// Birthday (format).
        Birthday = "H",
        /// Hebrew (language).
        Hebrew = "HE",
        /// Hindi (language).
        Hindi = "HI",
        /// Croatian (language).
        Croatian = "HR",
        /// Hungarian (language).
        Hungarian = "HU",
        /// Icelandic (language).
        Icelandic = "IS",
        /// Italian (language).
        Italian = "ITA",
        /// Japanese (language).
        Japanese = "JA",
        /// Georgian (language).
        Georgian = "KA",
        /// Korean (language).
        Korean = "KOR",
        /// Lesbian (audience).
        Lesbian = "L",
        /// LGBTQ (audience).
        LGBTQ = "LGBTQ",
        /// Literature (format).
        Literature = "LIT",
        /// Living Sober (format).
        LivingSober = "LS",
        /// Lithuanian (language).
        Lithuanian = "LT",
        /// Men (audience).
        Men = "M",
        /// Meditation (format).
        Meditation = "MED",
        /// Malayalam (language).
        Malayalam = "ML",
        /// Maltese (language).
        Maltese = "MT",
        /// Native American (audience).
        NativeAmerican = "N",
        /// Non-Binary (audience).
        NonBinary = "NB",
        /// Indigenous (audience).
        Indigenous = "NDG",
        /// Nepali (language).
        Nepali = "NE",
        /// Dutch (language).
        Dutch = "NL",
        /// Norwegian (language).
        Norwegian = "NO",
        /// Open (open closed).
        Open = "O",
        /// Outdoor (logistics).
        Outdoor = "OUT",
        /// Professionals (audience).
        Professionals = "P",
        /// Proof of Attendance (logistics).
        ProofOfAttendance = "POA",
        /// People of Color (audience).
        PeopleOfColor = "POC",
        /// Polish (language).
        Polish = "POL",
        /// Portuguese (language).
        Portuguese = "POR",
        /// Punjabi (language).
        Punjabi = "PUN",
        /// Russian (language).
        Russian = "RUS",
        /// Spanish (language).
        Spanish = "S",
        /// Seniors (audience).
        Seniors = "SEN",
        /// Slovak (language).
        Slovak = "SK",
        /// Slovenian (language).
        Slovenian = "SL",
        /// Smoking Permitted (logistics).
        SmokingPermitted = "SM",
        /// Speaker (format).
        Speaker = "SP",
        /// Step Study (format).
        StepStudy = "ST",
        /// Swedish (language).
        Swedish = "SV",
        /// Transgender (audience).
        Transgender = "T",
        /// Location Temporarily Closed (status).
        LocationTemporarilyClosed = "TC",
        /// Thai (language).
        Thai = "TH",
        /// Tagalog (language).
        Tagalog = "TL",
        /// Tradition Study (format).
        TraditionStudy = "TR",
        /// Turkish (language).
        Turkish = "TUR",
        /// Ukrainian (language).
        Ukrainian = "UK",
        /// Women (audience).
        Women = "W",
        /// Wheelchair Access (accessibility).
        WheelchairAccess = "X",
        /// Wheelchair-Accessible Bathroom (accessibility).
        WheelchairAccessibleBathroom = "XB",
        /// Cross Talk Permitted (format).
        CrossTalkPermitted = "XT",
        /// Young People (audience).
        YoungPeople = "Y",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_active_code_of_the_specification_is_known() {
        assert_eq!(MeetingType::ALL.len(), 87);
        assert_eq!(
            MeetingType::parse("12x12"),
            Some(MeetingType::TwelveStepsAndTwelveTraditions)
        );
        assert_eq!(MeetingType::parse("X").map(MeetingType::as_str), Some("X"));
        assert_eq!(MeetingType::parse("ONL"), None);
        assert_eq!(MeetingType::parse("x"), None);
    }
}
