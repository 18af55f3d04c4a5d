//! What a newcomer meets first: `sladesk serve` on an empty database prints a one-time setup
//! link; opening it creates the first admin (name, password), who sets up the second step and
//! lands on the desk. The real binary, on a fresh data directory, with no configuration.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{browser, field, free_port, page_text, post_form, secret_in, totp};
use reqwest::StatusCode;

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `sladesk serve` on `dir` and returns it with the setup link it printed, if any.
fn serve(dir: &std::path::Path, port: u16) -> (Serving, Option<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sladesk"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("SLADESK_DATA_DIR", dir)
        .env("SLADESK_LOG", "warn")
        .env("LC_ALL", "C.UTF-8")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut link = None;
    let mut listening = false;
    while Instant::now() < deadline {
        let Ok(line) = received.recv_timeout(Duration::from_millis(200)) else {
            if listening {
                break;
            }
            continue;
        };
        listening |= line.contains("listening on");
        if let Some(at) = line.find("http://")
            && line[at..].contains("/setup?token=")
        {
            link = Some(line[at..].trim().to_string());
            break;
        }
    }
    assert!(listening || link.is_some(), "the server started");
    (Serving(child), link)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_admin_is_made_in_the_browser_through_a_one_time_link() {
    let dir = std::env::temp_dir().join(format!("sladesk-first-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = free_port();
    let (server, link) = serve(&dir, port);
    let link = link.expect("an empty desk prints a setup link");
    assert!(
        link.starts_with(&format!("http://127.0.0.1:{port}/setup?token=")),
        "{link}"
    );

    // A stranger guessing the token gets nothing.
    let stranger = browser();
    let guessed = stranger
        .get(format!("http://127.0.0.1:{port}/setup?token=0000"))
        .send()
        .await
        .unwrap();
    assert_eq!(guessed.status(), StatusCode::NOT_FOUND);

    // The operator opens the link, in English.
    let b = browser();
    let form = page_text(&b, format!("{link}&lang=en")).await;
    assert!(form.contains("Welcome to sladesk"), "{form}");
    let weak = post_form(
        &b,
        format!("http://127.0.0.1:{port}/setup"),
        &[
            ("csrf", &field(&form, "csrf")),
            ("token", &field(&form, "token")),
            ("lang", "en"),
            ("name", "Ada Admin"),
            ("email", "ada@vendor.example"),
            ("password", "password1"),
        ],
    )
    .await;
    assert_eq!(
        weak.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a weak password is refused"
    );
    let form = weak.text().await.unwrap();
    let made = post_form(
        &b,
        format!("http://127.0.0.1:{port}/setup"),
        &[
            ("csrf", &field(&form, "csrf")),
            ("token", &field(&form, "token")),
            ("lang", "en"),
            ("name", "Ada Admin"),
            ("email", "ada@vendor.example"),
            ("password", "a long first admin phrase 2026"),
        ],
    )
    .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    assert!(
        made.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/account/two-factor")
    );

    // The second step, then the desk.
    let enrol = page_text(&b, format!("http://127.0.0.1:{port}/account/two-factor")).await;
    let secret = secret_in(&enrol);
    let done = post_form(
        &b,
        format!("http://127.0.0.1:{port}/account/two-factor"),
        &[
            ("code", &totp(&secret).generate_current().unwrap()),
            ("csrf", &field(&enrol, "csrf")),
            ("next", "/desk"),
        ],
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK, "recovery codes shown");
    let desk = b
        .get(format!("http://127.0.0.1:{port}/desk"))
        .send()
        .await
        .unwrap();
    assert_eq!(desk.status(), StatusCode::OK);

    // The pages carry an icon, served from the binary.
    assert!(form.contains("rel=\"icon\""));
    let icon = stranger
        .get(format!("http://127.0.0.1:{port}/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    assert!(icon.text().await.unwrap().starts_with("<svg"));

    // The link is spent.
    let again = stranger.get(&link).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    drop(server);

    // A restart on a desk with people prints no link.
    let (server, link) = serve(&dir, free_port());
    assert_eq!(link, None);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
