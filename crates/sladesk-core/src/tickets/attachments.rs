//! T5: the files on a ticket and the limits the policy puts on them. Whether one more file
//! fits is decided here, from what the ticket holds already; storing and serving the bytes is
//! the service's.

/// The `[attachments]` section of the policy, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentRules {
    /// The largest file taken, in bytes.
    pub max_file_bytes: u64,
    /// All files of one ticket together, in bytes.
    pub max_ticket_bytes: u64,
    /// Files on one ticket.
    pub max_files_per_ticket: u32,
    /// Files a mail carries together, in bytes; above it the mail links to the ticket instead.
    pub mail_up_to_bytes: u64,
}

impl Default for AttachmentRules {
    fn default() -> AttachmentRules {
        const MB: u64 = 1024 * 1024;
        AttachmentRules {
            max_file_bytes: 25 * MB,
            max_ticket_bytes: 100 * MB,
            max_files_per_ticket: 50,
            mail_up_to_bytes: 10 * MB,
        }
    }
}

/// Which limit one more set of files would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OverLimit {
    #[error("a file of {size} bytes is larger than the {max} bytes a file may have")]
    File { size: u64, max: u64 },
    #[error("the ticket's files would come to {total} bytes, more than the {max} it may hold")]
    Ticket { total: u64, max: u64 },
    #[error("the ticket would have {count} files, more than the {max} it may have")]
    Count { count: u32, max: u32 },
}

impl AttachmentRules {
    /// Whether files of `sizes` may join a ticket that holds `held_files` files of
    /// `held_bytes` together.
    pub fn admit(&self, held_files: u32, held_bytes: u64, sizes: &[u64]) -> Result<(), OverLimit> {
        if let Some(&size) = sizes.iter().find(|&&s| s > self.max_file_bytes) {
            return Err(OverLimit::File {
                size,
                max: self.max_file_bytes,
            });
        }
        let count = held_files.saturating_add(sizes.len().try_into().unwrap_or(u32::MAX));
        if count > self.max_files_per_ticket {
            return Err(OverLimit::Count {
                count,
                max: self.max_files_per_ticket,
            });
        }
        let total = sizes
            .iter()
            .fold(held_bytes, |sum, s| sum.saturating_add(*s));
        if total > self.max_ticket_bytes {
            return Err(OverLimit::Ticket {
                total,
                max: self.max_ticket_bytes,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_admitted_up_to_each_limit_and_not_past_it() {
        let rules = AttachmentRules {
            max_file_bytes: 10,
            max_ticket_bytes: 25,
            max_files_per_ticket: 3,
            mail_up_to_bytes: 5,
        };
        assert_eq!(rules.admit(0, 0, &[10, 10]), Ok(()));
        assert_eq!(
            rules.admit(0, 0, &[11]),
            Err(OverLimit::File { size: 11, max: 10 })
        );
        assert_eq!(rules.admit(2, 15, &[10]), Ok(()));
        assert_eq!(
            rules.admit(2, 16, &[10]),
            Err(OverLimit::Ticket { total: 26, max: 25 })
        );
        assert_eq!(
            rules.admit(3, 0, &[1]),
            Err(OverLimit::Count { count: 4, max: 3 })
        );
        assert_eq!(rules.admit(3, 25, &[]), Ok(()));
    }
}
