//! The one clock the server reads. `sladesk serve` runs on the system clock; a test gives the
//! server a manual clock and sets or advances it, instead of sleeping until something is due.
//! Time is read at whole seconds: the SLA is exact to the second, and so is storage.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};

/// Where the current time comes from; cheap to clone (clones share the time).
#[derive(Debug, Clone)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System,
    /// Unix seconds, as set by the test.
    Manual(AtomicI64),
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl Clock {
    /// The machine's clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Source::System))
    }

    /// A clock that stands still at `start` until it is set or advanced.
    pub fn manual(start: Timestamp) -> Clock {
        Clock(Arc::new(Source::Manual(AtomicI64::new(start.as_second()))))
    }

    /// The current instant, at whole seconds.
    pub fn now(&self) -> Timestamp {
        let seconds = match &*self.0 {
            Source::System => Timestamp::now().as_second(),
            Source::Manual(seconds) => seconds.load(Ordering::SeqCst),
        };
        Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Sets a manual clock; the system clock cannot be set, and says so.
    pub fn set(&self, to: Timestamp) -> Result<(), NotManual> {
        match &*self.0 {
            Source::Manual(seconds) => {
                seconds.store(to.as_second(), Ordering::SeqCst);
                Ok(())
            }
            Source::System => Err(NotManual),
        }
    }

    /// Moves a manual clock on by `by`.
    pub fn advance(&self, by: SignedDuration) -> Result<Timestamp, NotManual> {
        match &*self.0 {
            Source::Manual(seconds) => {
                let now = seconds.fetch_add(by.as_secs(), Ordering::SeqCst) + by.as_secs();
                Ok(Timestamp::from_second(now).unwrap_or(Timestamp::UNIX_EPOCH))
            }
            Source::System => Err(NotManual),
        }
    }
}

/// Only a manual clock can be set.
#[derive(Debug, thiserror::Error)]
#[error("the system clock cannot be set")]
pub struct NotManual;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_stands_still_until_moved_and_clones_share_it() {
        let start: Timestamp = "2026-04-24T13:00:00Z".parse().unwrap();
        let clock = Clock::manual(start);
        let other = clock.clone();
        assert_eq!(clock.now(), start);
        other.advance(SignedDuration::from_mins(90)).unwrap();
        assert_eq!(clock.now(), "2026-04-24T14:30:00Z".parse().unwrap());
        assert!(Clock::system().set(start).is_err());
        let system = Clock::system().now();
        assert_eq!(system.subsec_nanosecond(), 0, "whole seconds");
    }
}
