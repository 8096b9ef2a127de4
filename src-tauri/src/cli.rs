//! The headless CLI: `portdesk admin create|reset-password|unlock`, `portdesk demo-erp generate`,
//! `portdesk mail flush|run`, `portdesk forecasts sync`.

use clap::{Parser, Subcommand};
use portdesk_core::Portdesk;
use portdesk_core::accounts::{self, NewUser};
use portdesk_core::audit::Actor;
use portdesk_core::erp::demo::{self, DemoOptions};
use portdesk_core::mail::outbox;
use portdesk_core::mail::sender::{self, SenderConfig};
use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::KeyringSecrets;
use portdesk_types::{Role, Secret};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "portdesk",
    version,
    about = "Portdesk: customer and operations portal. Without a command, opens the app."
)]
pub struct Args {
    /// Keep all data, config and logs in this folder (same as PORTDESK_HOME).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Run as a customer kiosk: full-screen, customers only, signed out when idle.
    #[arg(long)]
    pub kiosk: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Manage accounts without the UI.
    #[command(subcommand)]
    Admin(AdminCmd),
    /// The bundled demo ERP.
    #[command(subcommand, name = "demo-erp")]
    DemoErp(DemoCmd),
    /// The mail outbox.
    #[command(subcommand)]
    Mail(MailCmd),
    /// S&OP forecasts on this desktop.
    #[command(subcommand)]
    Forecasts(ForecastsCmd),
    /// This desktop's portal store.
    #[command(subcommand)]
    Store(StoreCmd),
}

#[derive(Subcommand)]
pub enum StoreCmd {
    /// Copy this desktop's SQLite store to an empty PostgreSQL database in one transaction,
    /// then switch this desktop to it (the SQLite file stays as the backup).
    MoveTo {
        /// postgres://user@host:port/database (TLS with the certificate and name verified; ?sslmode=disable allows a plain connection to a test server). The password
        /// never goes in the URL: it is asked for, or read with --password-stdin.
        #[arg(long)]
        url: String,
        #[arg(long)]
        password_stdin: bool,
        /// The server has no password for this user (trust or peer authentication).
        #[arg(long)]
        no_password: bool,
    },
    /// Take a backup of this desktop's embedded store now (to the folder in its settings).
    Backup,
    /// Verify a backup (checksum, integrity, a schema this version can open, the site), keep
    /// the current store aside and put the backup in its place.
    Restore {
        /// The backup copy (`portdesk-….sqlite`, its checksum file beside it).
        file: PathBuf,
        /// Restore a backup taken at another site (refused without it).
        #[arg(long)]
        other_site: bool,
    },
    /// Check the store's integrity (SQLite's checks, or constraints and sequences on PostgreSQL).
    Check,
}

/// PostgreSQL settings from a `postgres://` URL (a password in it is refused: it would stay in
/// the shell's history).
fn parse_pg_url(text: &str) -> Result<portdesk_types::settings::PostgresSettings, String> {
    let url = reqwest::Url::parse(text).map_err(|e| {
        format!("--url is not a URL ({e}); write postgres://user@host:5432/database")
    })?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err("--url must start with postgres://".into());
    }
    if url.password().is_some() {
        return Err("leave the password out of --url; Portdesk asks for it (or reads it with --password-stdin)".into());
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or("--url names no server")?;
    let database = url.path().trim_start_matches('/');
    if database.is_empty() {
        return Err("--url names no database (postgres://user@host:5432/database)".into());
    }
    // Secure by default: only a URL that asks for a plain connection gets one.
    let allow_unencrypted = url
        .query_pairs()
        .any(|(k, v)| k == "sslmode" && (v == "disable" || v == "prefer" || v == "allow"));
    Ok(portdesk_types::settings::PostgresSettings {
        host: host.trim_matches(['[', ']']).to_owned(),
        port: url.port().unwrap_or(5432),
        database: database.to_owned(),
        user: if url.username().is_empty() {
            "postgres".into()
        } else {
            url.username().to_owned()
        },
        allow_unencrypted,
        ..Default::default()
    })
}

#[derive(Subcommand)]
pub enum ForecastsCmd {
    /// Sign in as a rep (the password is asked for, or read from stdin) and send the edits that
    /// rep made on this desktop to the portal store, in order, then exit. Only rows this
    /// desktop's key vouches for are sent; others are refused and counted.
    Sync {
        /// The rep's e-mail address.
        #[arg(long)]
        email: String,
        /// Read the password from the first line of stdin instead of asking.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
pub enum MailCmd {
    /// Send every queued message now, ignoring retry back-off, then exit.
    Flush,
    /// Run the outbox sender without a window until stopped (e.g. on a server that shares the
    /// team's PostgreSQL store).
    Run {
        /// Name this one the site's only sender first: the desktops then only queue mail and
        /// wake it (audited).
        #[arg(long)]
        site_sender: bool,
    },
}

#[derive(Subcommand)]
pub enum AdminCmd {
    /// Create an admin account.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a temporary password (generated and shown once unless given on stdin); the user
    /// must choose a new one at the next sign-in. Also lifts a lockout.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Lift a lockout after too many failed sign-ins.
    Unlock {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum DemoCmd {
    /// Write a demo ERP (SQLite). Default location: the data folder's demo-erp.db.
    Generate {
        /// Stock rows to generate (e.g. 20000, or 1000000 for load tests).
        #[arg(long, default_value_t = demo::DEFAULT_STOCK_ROWS)]
        rows: usize,
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Put every stock row on the first customer (Northwind Foods), for load tests.
        #[arg(long)]
        one_customer: bool,
    },
}

impl Args {
    /// Parses the command line. A launcher (WebKitWebDriver in tests, a kiosk wrapper) may add
    /// flags of its own when starting the app; those must not stop the GUI from opening, so
    /// only a word in command position gets strict parsing. `Err` is the exit code after the
    /// error (or the help) was printed.
    pub fn parse_for_gui_or_cli() -> Result<Args, ExitCode> {
        let argv: Vec<String> = std::env::args().collect();
        Args::parse_argv(&argv)
    }

    fn parse_argv(argv: &[String]) -> Result<Args, ExitCode> {
        let e = match Args::try_parse_from(argv) {
            Ok(a) => return Ok(a),
            Err(e) => e,
        };
        if matches!(
            e.kind(),
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
        ) {
            let _ = e.print();
            return Err(ExitCode::SUCCESS);
        }
        let commands = command_names();
        match first_word(argv) {
            // A known command with a mistake after it: clap's own message says which.
            Some(word) if commands.iter().any(|c| c == word) => {
                let _ = e.print();
                Err(ExitCode::from(2))
            }
            // An unknown first word is a typo or a command of another version, never "open
            // the app".
            Some(word) => {
                eprintln!(
                    "error: \"{word}\" is not a Portdesk command.\n\
                     Commands: {}.\n\
                     Without a command Portdesk opens the app; portdesk --help lists the options.",
                    commands.join(", ")
                );
                Err(ExitCode::from(2))
            }
            None => Ok(Args {
                data_dir: flag_value(argv, "--data-dir").map(PathBuf::from),
                kiosk: argv.iter().any(|a| a == "--kiosk"),
                command: None,
            }),
        }
    }
}

/// Every top-level command, as `--help` lists them (with clap's own `help`).
fn command_names() -> Vec<String> {
    use clap::CommandFactory;
    let mut names: Vec<String> = Args::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    names.push("help".into());
    names
}

/// The first argument that is not a flag nor the value of `--data-dir`: where a command goes.
fn first_word(argv: &[String]) -> Option<&str> {
    let mut args = argv.iter().skip(1);
    while let Some(a) = args.next() {
        if a == "--data-dir" {
            args.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

fn flag_value<'a>(argv: &'a [String], flag: &str) -> Option<&'a str> {
    let with_eq = format!("{flag}=");
    argv.iter().enumerate().skip(1).find_map(|(i, a)| {
        if a == flag {
            argv.get(i + 1).map(String::as_str)
        } else {
            a.strip_prefix(&with_eq)
        }
    })
}

pub fn run(cmd: Cmd) -> ExitCode {
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run_async(cmd)) {
        Ok(msg) => {
            println!("{msg}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn read_password(from_stdin: bool, confirm: bool) -> Result<Secret, String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        return Ok(Secret::new(line.trim_end_matches(['\r', '\n'])));
    }
    let first = rpassword::prompt_password("Password: ")
        .map_err(|e| format!("cannot read the password: {e}"))?;
    if confirm {
        let again = rpassword::prompt_password("Repeat password: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        if again != first {
            return Err("the two passwords differ".into());
        }
    }
    Ok(Secret::new(first))
}

async fn run_async(cmd: Cmd) -> Result<String, String> {
    let paths = AppPaths::detect()?;
    // Never beside the app (or another command) on the same data folder.
    let _lock = paths.lock_data_dir()?;
    match cmd {
        Cmd::DemoErp(DemoCmd::Generate {
            rows,
            seed,
            out,
            one_customer,
        }) => {
            let out = out.unwrap_or_else(|| paths.default_demo_erp_file());
            let started = std::time::Instant::now();
            let s = demo::generate(
                &out,
                &DemoOptions {
                    stock_rows: rows,
                    seed,
                    one_customer,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            Ok(format!(
                "Demo ERP written to {} in {:.1} s: {} customers, {} parts, {} stock rows, {} sales-history rows.",
                out.display(),
                started.elapsed().as_secs_f64(),
                s.customers,
                s.parts,
                s.stock_rows,
                s.history_rows
            ))
        }
        Cmd::Store(StoreCmd::MoveTo {
            url,
            password_stdin,
            no_password,
        }) => {
            let postgres = parse_pg_url(&url)?;
            let password = if no_password {
                None
            } else {
                Some(read_password(password_stdin, false)?)
            };
            let core = Portdesk::start(paths, Arc::new(KeyringSecrets::default())).await;
            let req = portdesk_types::settings::MoveStoreRequest { postgres, password };
            let last = std::sync::Mutex::new(0u64);
            let reply = core
                .move_store_to(&req, &|p| {
                    // A line every 10% (and the last), on stderr: stdout keeps the result.
                    let pct = (p.rows_done * 100).checked_div(p.rows_total).unwrap_or(100);
                    let mut l = last.lock().unwrap_or_else(|e| e.into_inner());
                    if pct >= *l + 10 || p.rows_done == p.rows_total {
                        *l = pct;
                        eprintln!(
                            "{pct:>3}%  {} of {} rows ({})",
                            p.rows_done, p.rows_total, p.table
                        );
                    }
                })
                .await
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "Moved {} rows in {} tables to {}. This desktop now uses it; the SQLite file stays at {} as the backup.",
                reply.rows, reply.tables, reply.store, reply.backup
            ))
        }
        Cmd::Store(StoreCmd::Backup) => {
            let core = Portdesk::start(paths, Arc::new(KeyringSecrets::default())).await;
            let b = core.take_backup().await.map_err(|e| e.to_string())?;
            Ok(format!("Backed up to {} ({} bytes).", b.file, b.bytes))
        }
        Cmd::Store(StoreCmd::Restore { file, other_site }) => {
            let core = Portdesk::start(paths, Arc::new(KeyringSecrets::default())).await;
            let req = portdesk_types::settings::RestoreRequest {
                file: file.display().to_string(),
                other_site,
            };
            let r = core
                .restore_backup(&Actor::system("cli"), &req)
                .await
                .map_err(|e| {
                    let e = e.to_string();
                    if e.contains("another site") {
                        format!("{e} (add --other-site)")
                    } else {
                        e
                    }
                })?;
            Ok(format!(
                "Restored {}. The store as it was is kept at {}.",
                r.restored_from, r.kept_aside
            ))
        }
        Cmd::Store(StoreCmd::Check) => {
            let core = Portdesk::start(paths, Arc::new(KeyringSecrets::default())).await;
            let store = core.store().await.map_err(|e| e.to_string())?;
            let c = portdesk_core::backup::check(&store)
                .await
                .map_err(|e| e.to_string())?;
            let text = c.findings.join("\n");
            if c.ok { Ok(text) } else { Err(text) }
        }
        Cmd::Forecasts(ForecastsCmd::Sync {
            email,
            password_stdin,
        }) => {
            let password = read_password(password_stdin, false)?;
            let core = Portdesk::start(paths, Arc::new(KeyringSecrets::default())).await;
            let store = core.store().await.map_err(|e| e.to_string())?;
            let local = core.local_store().await.map_err(|e| e.to_string())?;
            // The edits go with the rights the store gives this account now, as its own.
            let user = portdesk_core::accounts::authenticate_at(
                &store,
                &email,
                &password,
                portdesk_core::accounts::SignInPlace::Desktop,
            )
            .await
            .map_err(|e| e.to_string())?;
            if !matches!(
                user.role,
                portdesk_types::Role::SalesRep | portdesk_types::Role::Admin
            ) {
                return Err(format!(
                    "{} may not enter forecasts; nothing was sent.",
                    user.email
                ));
            }
            let r = portdesk_core::forecasts::offline::replay(
                local,
                &store,
                &portdesk_core::forecasts::offline::Replayer {
                    user_id: user.id,
                    actor: user.actor(),
                    admin: user.role == portdesk_types::Role::Admin,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            let line = format!(
                "{} edit(s) applied, {} conflict(s) and {} refused kept for the rep, {} waiting.",
                r.applied, r.conflicts, r.refused, r.remaining
            );
            if r.remaining > 0 {
                return Err(format!("{line} The portal store stopped answering."));
            }
            Ok(line)
        }
        Cmd::Mail(mail) => {
            let secrets: Arc<dyn portdesk_core::secrets::SecretStore> =
                Arc::new(KeyringSecrets::default());
            let core = Portdesk::start(paths, secrets.clone()).await;
            let store = core.store().await.map_err(|e| e.to_string())?;
            let config = SenderConfig::default();
            match mail {
                MailCmd::Flush => {
                    outbox::make_all_due(&store, portdesk_core::now_ms())
                        .await
                        .map_err(|e| e.to_string())?;
                    let r = sender::pass(&store, secrets.as_ref(), &config)
                        .await
                        .map_err(|e| e.to_string())?;
                    if let Some(why) = r.idle_reason {
                        return Err(format!("nothing sent: {why}"));
                    }
                    Ok(format!(
                        "{} sent, {} to retry, {} failed.",
                        r.sent, r.retry, r.failed
                    ))
                }
                MailCmd::Run { site_sender } => {
                    if site_sender {
                        core.name_mail_sender_as(&Actor::system("cli"), true)
                            .await
                            .map_err(|e| e.to_string())?;
                        eprintln!("This sender is now the site's only one.");
                    }
                    core.start_mail_sender(config).await;
                    eprintln!("Mail sender running; stop it with Ctrl-C.");
                    tokio::signal::ctrl_c()
                        .await
                        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
                    Ok("Mail sender stopped.".into())
                }
            }
        }
        Cmd::Admin(admin) => {
            let core = Portdesk::start(paths, Arc::new(KeyringSecrets::default())).await;
            let store = core.store().await.map_err(|e| e.to_string())?;
            let actor = Actor::system("cli");
            match admin {
                AdminCmd::Create {
                    name,
                    email,
                    password_stdin,
                } => {
                    let password = read_password(password_stdin, true)?;
                    let new = NewUser {
                        name,
                        email,
                        role: Role::Admin,
                        erp_customer: None,
                        erp_customer_code: None,
                        password,
                        must_change_password: false,
                    };
                    let u = accounts::create(&store, &actor, new)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(format!("Admin account {} created.", u.email))
                }
                AdminCmd::Unlock { email } => {
                    let row = accounts::unlock_by_email(&store, &actor, &email)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(format!("Account {} unlocked.", row.email))
                }
                AdminCmd::ResetPassword {
                    email,
                    password_stdin,
                } => {
                    let given = if password_stdin {
                        Some(read_password(true, false)?)
                    } else {
                        None
                    };
                    let shown = given.is_none();
                    let (u, temp) = accounts::reset_password(&store, &actor, &email, given)
                        .await
                        .map_err(|e| e.to_string())?;
                    Ok(if shown {
                        format!(
                            "Temporary password for {} (shown once; it must be changed at the next sign-in):\n{}",
                            u.email,
                            temp.expose()
                        )
                    } else {
                        format!(
                            "Temporary password set for {}; it must be changed at the next sign-in.",
                            u.email
                        )
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, ExitCode> {
        let argv: Vec<String> = std::iter::once("portdesk")
            .chain(args.iter().copied())
            .map(String::from)
            .collect();
        Args::parse_argv(&argv)
    }

    #[test]
    fn launcher_flags_still_open_the_app() {
        let a = parse(&["--kiosk", "--automation", "--data-dir", "/tmp/x"]).unwrap();
        assert!(a.kiosk && a.command.is_none());
        assert_eq!(a.data_dir, Some(PathBuf::from("/tmp/x")));
        let a = parse(&["--data-dir=/tmp/y", "--some-launcher-flag"]).unwrap();
        assert_eq!(a.data_dir, Some(PathBuf::from("/tmp/y")));
        assert!(!a.kiosk);
    }

    #[test]
    fn an_unknown_word_is_not_the_app() {
        assert!(parse(&["frobnicate"]).is_err());
        assert!(parse(&["--data-dir", "/tmp/x", "frobnicate"]).is_err());
        assert!(parse(&["--kiosk", "--automation", "frobnicate"]).is_err());
        assert!(parse(&["admin", "creat"]).is_err());
    }

    #[test]
    fn every_command_is_listed() {
        assert_eq!(
            command_names(),
            ["admin", "demo-erp", "mail", "forecasts", "store", "help"]
        );
    }
}
