//! `sladesk serve`, `migrate` and `token create` as an operator runs them: the real binary.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn sladesk() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sladesk"));
    command.env("LC_ALL", "C.UTF-8");
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET /healthz` answers 200 (a plain connect is not proof: a free port can connect to itself).
fn healthy(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

#[test]
fn serve_starts_with_zero_configuration_and_stops_cleanly_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("sladesk-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = free_port();
    let mut server = sladesk()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(std::env::temp_dir())
        .env("SLADESK_DATA_DIR", &dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !healthy(port) {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        dir.join("sladesk.db").exists(),
        "SQLite file in the data directory"
    );

    // Tokens can be made while the server runs, on the same data.
    let out = sladesk()
        .args([
            "token",
            "create",
            "--email",
            "Admin@Example.com",
            "--role",
            "admin",
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("sld_") && token.len() > 40);

    // The API's role names work, and so do their kebab-case spellings.
    for (email, role) in [
        ("a@example.com", "first_line"),
        ("b@example.com", "saas-team"),
    ] {
        let out = sladesk()
            .args([
                "token",
                "create",
                "--email",
                email,
                "--role",
                role,
                "--data-dir",
            ])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{role}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let bad = sladesk()
        .args([
            "token",
            "create",
            "--email",
            "c@example.com",
            "--role",
            "customer",
            "--data-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--organization"));

    assert!(
        Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let migrate = sladesk()
        .args(["migrate", "--data-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(migrate.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_service_configuration_exits_2() {
    let out = sladesk()
        .args(["serve", "--database", "mysql://nope"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sladesk()
        .args(["serve", "--config", "/nonexistent/sladesk.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let dir = std::env::temp_dir().join(format!("sladesk-badpolicy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("p.toml"),
        "[priorities.low]\nreaction = \"never\"\n",
    )
    .unwrap();
    let out = sladesk()
        .args(["serve", "--policy"])
        .arg(dir.join("p.toml"))
        .arg("--data-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("priorities.low.reaction"));
    let _ = std::fs::remove_dir_all(&dir);
}
