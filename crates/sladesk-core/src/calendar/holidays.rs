//! Holiday rules (S2): which dates of a year a calendar is closed, and what they are called.
//! Rules are data from the policy; this module only turns them into dates.

use jiff::civil::{Date, Weekday};

use crate::text::Text;

/// When a holiday falls, before any moving rule is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolidayDate {
    /// The same month and day every year (New Year's Day, Christmas).
    Fixed { month: i8, day: i8 },
    /// A number of days after (or, when negative, before) Easter Sunday (Good Friday is -2).
    EasterOffset(i16),
}

/// One holiday rule of a calendar, e.g. "King's Day: 27 April, the 26th when the 27th is a Sunday".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayRule {
    pub name: Text,
    pub date: HolidayDate,
    /// Move a holiday that falls on a Sunday to the Saturday before (King's Day).
    pub sunday_to_saturday: bool,
    /// Only in years divisible by this number (Liberation Day: 5). `None`: every year.
    pub years_divisible_by: Option<u16>,
    /// First and last year the rule applies in, when limited.
    pub from_year: Option<i16>,
    pub until_year: Option<i16>,
}

impl HolidayRule {
    /// The date this rule gives in `year`, if it applies that year. The date may fall in a
    /// neighbouring year when a moving rule pushes it over New Year.
    pub fn date_in(&self, year: i16) -> Option<Date> {
        if self.from_year.is_some_and(|from| year < from)
            || self.until_year.is_some_and(|until| year > until)
        {
            return None;
        }
        if let Some(n) = self.years_divisible_by
            && i32::from(year).rem_euclid(i32::from(n)) != 0
        {
            return None;
        }
        let date = match self.date {
            HolidayDate::Fixed { month, day } => Date::new(year, month, day).ok()?,
            HolidayDate::EasterOffset(days) => easter_sunday(year)?
                .checked_add(jiff::Span::new().days(i64::from(days)))
                .ok()?,
        };
        if self.sunday_to_saturday && date.weekday() == Weekday::Sunday {
            return date.yesterday().ok();
        }
        Some(date)
    }
}

/// Easter Sunday in the Gregorian calendar, by the anonymous Gregorian algorithm
/// (Meeus/Jones/Butcher). Twelve lines of integer arithmetic; not worth a dependency.
pub fn easter_sunday(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, month as i8, day as i8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_matches_published_dates() {
        // Published Western Easter dates.
        let known = [
            (2000, date(2000, 4, 23)),
            (2008, date(2008, 3, 23)),
            (2011, date(2011, 4, 24)),
            (2019, date(2019, 4, 21)),
            (2024, date(2024, 3, 31)),
            (2025, date(2025, 4, 20)),
            (2026, date(2026, 4, 5)),
            (2027, date(2027, 3, 28)),
            (2030, date(2030, 4, 21)),
            (2038, date(2038, 4, 25)),
            (2285, date(2285, 3, 22)),
        ];
        for (year, expected) in known {
            assert_eq!(easter_sunday(year), Some(expected), "Easter {year}");
        }
    }

    fn rule(date: HolidayDate) -> HolidayRule {
        HolidayRule {
            name: Text::new("x", "x"),
            date,
            sunday_to_saturday: false,
            years_divisible_by: None,
            from_year: None,
            until_year: None,
        }
    }

    #[test]
    fn kings_day_moves_to_saturday_when_on_sunday() {
        let kings_day = HolidayRule {
            sunday_to_saturday: true,
            ..rule(HolidayDate::Fixed { month: 4, day: 27 })
        };
        // 27 April 2025 was a Sunday.
        assert_eq!(kings_day.date_in(2025), Some(date(2025, 4, 26)));
        assert_eq!(kings_day.date_in(2026), Some(date(2026, 4, 27)));
    }

    #[test]
    fn liberation_day_only_every_fifth_year() {
        let liberation = HolidayRule {
            years_divisible_by: Some(5),
            ..rule(HolidayDate::Fixed { month: 5, day: 5 })
        };
        assert_eq!(liberation.date_in(2025), Some(date(2025, 5, 5)));
        assert_eq!(liberation.date_in(2026), None);
        assert_eq!(liberation.date_in(2030), Some(date(2030, 5, 5)));
    }

    #[test]
    fn fixed_date_that_does_not_exist_is_skipped() {
        let leap = rule(HolidayDate::Fixed { month: 2, day: 29 });
        assert_eq!(leap.date_in(2026), None);
        assert_eq!(leap.date_in(2028), Some(date(2028, 2, 29)));
    }

    #[test]
    fn year_limits() {
        let limited = HolidayRule {
            from_year: Some(2027),
            until_year: Some(2028),
            ..rule(HolidayDate::EasterOffset(1))
        };
        assert_eq!(limited.date_in(2026), None);
        assert_eq!(limited.date_in(2027), Some(date(2027, 3, 29)));
        assert_eq!(limited.date_in(2029), None);
    }
}
