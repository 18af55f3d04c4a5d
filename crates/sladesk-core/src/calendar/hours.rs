//! Opening hours of one weekday: a sorted list of non-overlapping windows in local wall time,
//! such as `08:30-12:00` and `12:30-17:00` (a lunch break is simply the gap between windows).

use std::fmt;
use std::str::FromStr;

/// Seconds in a civil day; a window may end at `24:00`, this value.
pub const DAY_SECONDS: u32 = 86_400;

/// One opening window, `[start, end)` in seconds since local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    start: u32,
    end: u32,
}

/// Why a window or a list of windows was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("`{0}` is not a window like \"08:30-16:30\"")]
    Malformed(String),
    #[error("`{0}` must end after it starts")]
    Empty(String),
    #[error("windows `{0}` and `{1}` overlap or are out of order")]
    Overlap(String, String),
}

impl Window {
    /// A window from `start` to `end` seconds after local midnight; `end` may be `24:00`.
    pub fn new(start: u32, end: u32) -> Result<Window, HoursError> {
        let window = Window { start, end };
        if end > DAY_SECONDS || start >= end {
            return Err(HoursError::Empty(window.to_string()));
        }
        Ok(window)
    }

    pub fn start(self) -> u32 {
        self.start
    }

    pub fn end(self) -> u32 {
        self.end
    }

    pub fn whole_day(self) -> bool {
        self.start == 0 && self.end == DAY_SECONDS
    }
}

impl FromStr for Window {
    type Err = HoursError;

    fn from_str(s: &str) -> Result<Window, HoursError> {
        let malformed = || HoursError::Malformed(s.to_string());
        let (start, end) = s.split_once('-').ok_or_else(malformed)?;
        let start = parse_clock(start.trim()).ok_or_else(malformed)?;
        let end = parse_clock(end.trim()).ok_or_else(malformed)?;
        Window::new(start, end)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", Clock(self.start), Clock(self.end))
    }
}

/// Seconds since midnight, shown as `HH:MM` or `HH:MM:SS`.
pub struct Clock(pub u32);

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if s == 0 {
            write!(f, "{h:02}:{m:02}")
        } else {
            write!(f, "{h:02}:{m:02}:{s:02}")
        }
    }
}

/// `HH:MM` or `HH:MM:SS`, up to `24:00`.
fn parse_clock(s: &str) -> Option<u32> {
    let mut parts = s.split(':');
    let mut field = |max: u32| -> Option<u32> {
        let part = parts.next()?;
        if part.len() != 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok().filter(|v| *v <= max)
    };
    let hours = field(24)?;
    let minutes = field(59)?;
    let seconds = if s.len() > 5 { field(59)? } else { 0 };
    if parts.next().is_some() {
        return None;
    }
    let total = hours * 3600 + minutes * 60 + seconds;
    (total <= DAY_SECONDS).then_some(total)
}

/// Checks that windows are in order and do not overlap (touching is fine).
pub fn check_order(windows: &[Window]) -> Result<(), HoursError> {
    for pair in windows.windows(2) {
        if pair[1].start < pair[0].end {
            return Err(HoursError::Overlap(
                pair[0].to_string(),
                pair[1].to_string(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_windows() {
        let w: Window = "08:30-16:30".parse().unwrap();
        assert_eq!((w.start(), w.end()), (30_600, 59_400));
        let w: Window = "00:00-24:00".parse().unwrap();
        assert!(w.whole_day());
        let w: Window = "12:00:30-13:00".parse().unwrap();
        assert_eq!(w.to_string(), "12:00:30-13:00");
    }

    #[test]
    fn refuses_bad_windows() {
        for bad in [
            "8:30-16:30",
            "16:30-08:30",
            "10:00-10:00",
            "24:30-25:00",
            "ab",
            "10:00-24:01",
            "10:60-11:00",
        ] {
            assert!(bad.parse::<Window>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn refuses_overlap() {
        let a: Window = "08:00-12:00".parse().unwrap();
        let b: Window = "11:00-13:00".parse().unwrap();
        let c: Window = "12:00-13:00".parse().unwrap();
        assert!(check_order(&[a, b]).is_err());
        assert!(check_order(&[a, c]).is_ok());
        assert!(check_order(&[c, a]).is_err());
    }
}
