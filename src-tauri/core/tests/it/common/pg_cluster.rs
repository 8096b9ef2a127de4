//! A PostgreSQL server of the test's own, to stop and start again (a laptop losing the shared
//! store and finding it again). Same binaries and method as `scripts/pg-test.sh`.

use std::path::PathBuf;
use std::process::Command;

/// Root runs the server as `postgres` (PostgreSQL refuses to run as root). Asked of `id` so
/// the file also serves the E2E crate, which has no libc.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

pub struct Cluster {
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// `ssl = on` with this certificate and key (copied into the cluster's folder).
    tls: bool,
}

impl Cluster {
    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.try_run(tool, args);
        assert!(
            out.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn try_run(&self, tool: &str, args: &[&str]) -> std::process::Output {
        let path = self.bin.join(tool);
        let root = is_root();
        let mut cmd = if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        cmd.args(args).output().expect(tool)
    }

    pub fn new() -> Cluster {
        Self::new_with(None)
    }

    /// A server with `ssl = on`, presenting this certificate (PEM) with this key.
    pub fn with_tls(cert: &std::path::Path, key: &std::path::Path) -> Cluster {
        Self::new_with(Some((cert, key)))
    }

    fn new_with(tls: Option<(&std::path::Path, &std::path::Path)>) -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries (apt-get install postgresql)")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").exists())
            .max()
            .expect("initdb");
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if let Some((cert, key)) = tls {
            // PostgreSQL reads them as its own user and refuses a key others can read.
            use std::os::unix::fs::PermissionsExt;
            for (from, name) in [(cert, "server.crt"), (key, "server.key")] {
                let to = dir.path().join(name);
                std::fs::copy(from, &to).unwrap();
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
                if is_root() {
                    assert!(
                        Command::new("chown")
                            .arg("postgres")
                            .arg(&to)
                            .status()
                            .unwrap()
                            .success()
                    );
                }
            }
        }
        let c = Cluster {
            port,
            dir,
            bin,
            tls: tls.is_some(),
        };
        let data = c.data();
        c.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
        );
        c.start();
        c
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    pub fn start(&self) {
        let mut opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        if self.tls {
            let d = self.dir.path().display();
            opts.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={d}/server.crt -c ssl_key_file={d}/server.key"
            ));
        }
        let log = self.dir.path().join("server.log").display().to_string();
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-t",
                "60",
                "-o",
                &opts,
                "start",
            ],
        );
    }

    pub fn stop(&self) {
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }

    pub fn settings(&self) -> portdesk_types::settings::PostgresSettings {
        portdesk_types::settings::PostgresSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            database: "postgres".into(),
            user: "postgres".into(),
            // The test clusters run without TLS (the TLS tests make their own certificates).
            allow_unencrypted: true,
            connect_timeout_secs: 2,
            ..Default::default()
        }
    }
}

impl Cluster {
    /// A streaming standby of `primary` (its base backup, `-R`: it follows the primary), on a
    /// port of its own, started; the primary then waits for it at every commit
    /// (`synchronous_standby_names`), so nothing acknowledged lives on the primary alone.
    pub fn standby_of(primary: &Cluster) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            assert!(
                Command::new("chown")
                    .arg("postgres")
                    .arg(dir.path())
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = Cluster {
            port,
            dir,
            bin: primary.bin.clone(),
            tls: false,
        };
        c.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary.port.to_string(),
                "-U",
                "postgres",
                "-D",
                &c.data(),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ],
        );
        c.start();
        primary.sql("ALTER SYSTEM SET synchronous_standby_names = '*'");
        primary.sql("SELECT pg_reload_conf()");
        c
    }

    /// One statement through `psql` on this server.
    pub fn sql(&self, statement: &str) {
        self.run(
            "psql",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                statement,
            ],
        );
    }

    /// SIGKILL to the server's main process: a crash, no shutdown.
    pub fn kill(&self) {
        let pid = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid"))
            .ok()
            .and_then(|t| t.lines().next().map(str::to_owned))
            .expect("the server's pid");
        assert!(
            Command::new("kill")
                .args(["-9", &pid])
                .status()
                .unwrap()
                .success()
        );
    }

    /// Makes a standby the primary.
    pub fn promote(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-w", "promote"]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // Already stopped is fine.
        let _ = self.try_run(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        );
    }
}
