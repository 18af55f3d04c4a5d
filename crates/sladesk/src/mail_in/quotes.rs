//! A reply's quoted history cut off: what mail programs put under (or above) the new text.
//! Gmail and Apple Mail write "On … wrote:" (Dutch "Op … schreef …:") and quote with `>`;
//! Outlook writes a rule or "-----Original Message-----" or a "From:/Sent:" block (Dutch
//! "Van:/Verzonden:") and quotes nothing. Everything from the first such mark on is history.

/// The text before the quoted history; the whole text if cutting would leave nothing (an
/// answer written between the quoted lines is kept whole rather than lost).
pub fn cut_quoted_history(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let cut = (0..lines.len())
        .find(|&i| starts_history(&lines, i))
        .unwrap_or(lines.len());
    let kept = lines[..cut].join("\n");
    let kept = kept.trim();
    if kept.is_empty() {
        text.trim().to_string()
    } else {
        kept.to_string()
    }
}

fn starts_history(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    let lower = line.to_lowercase();
    if line.starts_with('>') {
        return true;
    }
    // "On Tue, 1 Dec 2026 at 10:00, Desk <d@x> wrote:", which some programs wrap in two.
    let attribution = |l: &str| {
        (l.starts_with("on ") || l.starts_with("op ") || l.starts_with("am "))
            && (l.ends_with("wrote:") || l.ends_with(':') && l.contains("schreef"))
    };
    if attribution(&lower) {
        return true;
    }
    if let Some(next) = lines.get(i + 1)
        && (lower.starts_with("on ") || lower.starts_with("op "))
        && attribution(&format!("{lower} {}", next.trim().to_lowercase()))
    {
        return true;
    }
    let dashes = lower.trim_matches('-').trim();
    if line.starts_with("--")
        && [
            "original message",
            "oorspronkelijk bericht",
            "origineel bericht",
            "forwarded message",
        ]
        .contains(&dashes)
    {
        return true;
    }
    if line.len() >= 10 && line.chars().all(|c| c == '_') {
        return true;
    }
    // Outlook's header block: "From:" then "Sent:" or "Date:" within the next lines.
    if lower.starts_with("from:") || lower.starts_with("van:") {
        return lines[i + 1..].iter().take(3).any(|l| {
            let l = l.trim().to_lowercase();
            ["sent:", "verzonden:", "date:", "datum:"]
                .iter()
                .any(|p| l.starts_with(p))
        });
    }
    false
}
