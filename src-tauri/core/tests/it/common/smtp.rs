//! A real SMTP server for tests: aiosmtpd (tests/support/smtp_server.py) on 127.0.0.1.
//! Shared by the core's mail tests and the CLI tests (included there by path).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// aiosmtpd on 127.0.0.1, writing every accepted message into a Maildir.
pub struct Smtp {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Smtp {
    pub fn start(port: u16, extra: &[&str]) -> Smtp {
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("maildir");
        // Found from whichever crate's tests include this file.
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|d| d.join("tests/support/smtp_server.py"))
            .find(|p| p.exists())
            .expect("tests/support/smtp_server.py in the repository");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", &port.to_string(), "--maildir"])
            .arg(&maildir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/setup.sh installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        Smtp {
            child,
            port,
            maildir,
            _dir: dir,
        }
    }

    /// Every message received so far, raw, oldest first.
    pub fn received(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<_> = std::fs::read_dir(self.maildir.join("new"))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
