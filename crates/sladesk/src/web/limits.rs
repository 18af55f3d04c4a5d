//! Request rates of the public forms, per client address (governor's GCRA): registration,
//! password reset, status subscription and vulnerability reports. Each replica counts on its
//! own, so with N replicas an address gets at most N times the quota; the per-person limits
//! that matter more (sign-in back-off, one confirmation mail an hour per address) are kept
//! in the database and hold across replicas.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// One form's limit: a burst, then one more every `period`.
pub struct Limit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limit {
    fn new(burst: u32, period: Duration) -> Limit {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_minute(NonZeroU32::MIN))
            .allow_burst(burst);
        Limit {
            limiter: RateLimiter::keyed(quota),
        }
    }

    /// `Ok` if `ip` may post now, else how many seconds until it may.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.limiter.check_key(&ip).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }

    /// Forgets addresses whose allowance is full again, so memory follows recent traffic.
    fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// The limits of every public form.
pub struct Limits {
    pub registrations: Limit,
    pub password_resets: Limit,
    pub subscriptions: Limit,
    pub vulnerability_reports: Limit,
}

impl Default for Limits {
    fn default() -> Limits {
        const TEN_MINUTES: Duration = Duration::from_secs(600);
        Limits {
            registrations: Limit::new(10, TEN_MINUTES),
            password_resets: Limit::new(5, TEN_MINUTES),
            subscriptions: Limit::new(5, TEN_MINUTES),
            vulnerability_reports: Limit::new(5, TEN_MINUTES),
        }
    }
}

impl Limits {
    pub fn forget_idle(&self) {
        for limit in [
            &self.registrations,
            &self.password_resets,
            &self.subscriptions,
            &self.vulnerability_reports,
        ] {
            limit.forget_idle();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_with_a_wait_per_address() {
        let limit = Limit::new(3, Duration::from_secs(600));
        let a: IpAddr = "203.0.113.1".parse().unwrap();
        let b: IpAddr = "203.0.113.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limit.check(a).is_ok());
        }
        let wait = limit.check(a).unwrap_err();
        assert!((1..=600).contains(&wait), "{wait}");
        assert!(
            limit.check(b).is_ok(),
            "another address has its own allowance"
        );
    }
}
