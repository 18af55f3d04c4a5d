//! Back-off on every guessable sign-in step (X1). Each attempt is counted, before it is judged,
//! under several keys, and each key backs off on its own:
//!
//! | key | free attempts | then locked for | why |
//! |---|---|---|---|
//! | client address + person | 5 | 30 s, doubling to 1 h | one guesser at one person |
//! | client address | 20 | 30 s, doubling to 1 h | one guesser at many people (shared by an office behind NAT, hence more) |
//! | person | 10 | 60 s, never longer | guessers at one person from many addresses |
//! | a person's second step | 5 | 30 s, doubling to 1 h | someone who has the password guessing codes |
//!
//! The trade-off: locking a *person* for long would let a stranger keep anyone out by failing
//! on purpose, so the per-person floor is short and fixed, and it starts later than the lock of
//! the failing address; the long locks fall on the address that fails. A stranger at one
//! address gets 5 tries, then waits 30 s, 60 s, 2 min… while the person signs in from their own
//! address as usual; only after 10 failures from all addresses together (a quarter of an hour
//! of waiting from one address) is the person held for 60 s, and then 60 s at a time. From
//! many addresses a stranger can hold the person to one password try a minute, which is also
//! all the guessing they get; the person is told by mail when that starts. A right answer clears the person's keys and takes back its own count on
//! the address's key. A counter forgets after a quiet day.

use std::net::IpAddr;

use crate::store::{Conn, StoreError, throttles};

/// How a key backs off.
#[derive(Debug, Clone, Copy)]
struct Rule {
    free: i64,
    first_lock: i64,
    max_lock: i64,
}

impl Rule {
    /// Seconds of lock after the `attempt`-th counted attempt.
    fn lock_after(self, attempt: i64) -> i64 {
        if attempt <= self.free {
            return 0;
        }
        let doublings = (attempt - self.free - 1).clamp(0, 20) as u32;
        self.first_lock
            .saturating_mul(1 << doublings)
            .min(self.max_lock)
    }
}

/// What a key counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    AddressAndPerson(IpAddr, String),
    Address(IpAddr),
    Person(String),
    SecondStep(i64),
}

impl Key {
    fn rule(&self) -> Rule {
        match self {
            Key::AddressAndPerson(..) | Key::SecondStep(_) => Rule {
                free: 5,
                first_lock: 30,
                max_lock: 3600,
            },
            Key::Address(_) => Rule {
                free: 20,
                first_lock: 30,
                max_lock: 3600,
            },
            Key::Person(_) => Rule {
                free: 10,
                first_lock: 60,
                max_lock: 60,
            },
        }
    }

    fn text(&self) -> String {
        match self {
            Key::AddressAndPerson(ip, email) => format!("pw:{ip}|{email}"),
            Key::Address(ip) => format!("ip:{ip}"),
            Key::Person(email) => format!("person:{email}"),
            Key::SecondStep(user) => format!("code:{user}"),
        }
    }

    /// Whether a right answer clears the key (it counts one person's failures), or only takes
    /// back its own attempt (it counts everyone's at an address).
    fn cleared_by_success(&self) -> bool {
        !matches!(self, Key::Address(_))
    }
}

/// The outcome of counting an attempt.
#[derive(Debug, Default)]
pub struct Counted {
    /// Locked: refuse, and try again in this many seconds.
    pub locked_for: Option<i64>,
    /// Keys that this attempt locked for the first time since they were quiet (worth a mail).
    pub newly_locked: Vec<Key>,
}

/// Counts an attempt under every key, unless one of them is locked.
pub async fn count(conn: &mut Conn, keys: &[Key], now: i64) -> Result<Counted, StoreError> {
    let mut longest = 0;
    for key in keys {
        let current = throttles::count(conn, &key.text(), now).await?;
        longest = longest.max(current.locked_until - now);
    }
    if longest > 0 {
        return Ok(Counted {
            locked_for: Some(longest),
            newly_locked: Vec::new(),
        });
    }
    let mut counted = Counted::default();
    for key in keys {
        let Some(attempt) = throttles::reserve(conn, &key.text(), now).await? else {
            // A parallel attempt locked it meanwhile.
            let current = throttles::count(conn, &key.text(), now).await?;
            counted.locked_for = Some((current.locked_until - now).max(1));
            return Ok(counted);
        };
        let rule = key.rule();
        let lock = rule.lock_after(attempt);
        if lock > 0 {
            throttles::lock(conn, &key.text(), now + lock).await?;
            if attempt == rule.free + 1 {
                counted.newly_locked.push(key.clone());
            }
        }
    }
    Ok(counted)
}

/// The attempt was right: clears the person's keys, takes back the address's count.
pub async fn succeeded(conn: &mut Conn, keys: &[Key]) -> Result<(), StoreError> {
    for key in keys {
        if key.cleared_by_success() {
            throttles::clear(conn, &key.text()).await?;
        } else {
            throttles::undo(conn, &key.text(), key.rule().free).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_grow_to_their_cap_and_the_person_floor_stays_short() {
        let pair = Key::AddressAndPerson("10.0.0.1".parse().unwrap(), "a@b.c".into()).rule();
        assert_eq!(
            (1..=12).map(|n| pair.lock_after(n)).collect::<Vec<_>>(),
            [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920]
        );
        assert_eq!(pair.lock_after(500), 3600);
        let person = Key::Person("a@b.c".into()).rule();
        assert_eq!(person.lock_after(10), 0);
        assert_eq!(person.lock_after(11), 60);
        assert_eq!(person.lock_after(10_000), 60);
        assert_eq!(
            Key::Address("::1".parse().unwrap()).rule().lock_after(20),
            0
        );
    }
}
