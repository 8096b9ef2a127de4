//! Backups of the embedded store through the Settings window's commands: a copy taken while
//! orders are placed restores every order committed before it; what an interrupted backup
//! leaves is never a backup; each bad restore is refused naming the problem and changes
//! nothing; retention keeps exactly N; a failed backup warns on the status line.

use crate::common::harness::{self, Harness};
use crate::orders::{P, count, customer, line, product, staff};
use portdesk_core::orders;
use portdesk_types::ErrorKind;
use portdesk_types::api::*;
use portdesk_types::settings::{BackupSettings, BackupStatus, RestoreRequest};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// An admin on a fresh SQLite desktop whose backups go to `folder`.
async fn admin_with_backups_in(folder: &Path, keep: u32) -> Harness {
    let h = harness::start().await;
    h.first_admin().await;
    h.call::<SaveBackupSettings>(BackupSettings {
        folder: Some(folder.display().to_string()),
        every_hours: 4,
        keep,
        at_exit: false,
    })
    .await
    .unwrap();
    h
}

fn restore(file: &str) -> RestoreRequest {
    RestoreRequest {
        file: file.into(),
        other_site: false,
    }
}

async fn order_ids(h: &Harness) -> Vec<i64> {
    let store = h.app.store().await.unwrap();
    sqlx::query_scalar("SELECT id FROM orders ORDER BY id")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_four_writers_place_orders_restores_every_order_committed_before_it() {
    let folder = tempfile::tempdir().unwrap();
    let h = admin_with_backups_in(folder.path(), 30).await;
    let store = h.app.store().await.unwrap();
    let buyer = customer(&store, "b@example.com", "C1").await;
    let p = product(
        &store,
        P {
            sku: "BULK",
            stock: 1_000_000,
            level: 0,
            reorder: 0,
            pack: None,
        },
        None,
    )
    .await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (store, buyer, stop) = (store.clone(), buyer.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut placed = 0;
            while !stop.load(Ordering::SeqCst) {
                orders::place(&store, &staff(), &buyer, &line(p, 1.0), "")
                    .await
                    .unwrap();
                placed += 1;
            }
            placed
        }));
    }
    while count(&store, "orders").await < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let committed_before = order_ids(&h).await;
    let status = h.call::<BackUpNow>(()).await.unwrap();
    // The writers went on during the copy and after it.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        assert!(w.await.unwrap() > 0);
    }
    let at_end = order_ids(&h).await;
    assert!(at_end.len() > committed_before.len());
    assert_eq!(status.backups.len(), 1);
    let taken = &status.backups[0];

    let r = h.call::<RestoreBackup>(restore(&taken.file)).await.unwrap();
    assert!(
        Path::new(&r.kept_aside).exists(),
        "the store as it was is kept"
    );
    let restored = order_ids(&h).await;
    for id in &committed_before {
        assert!(
            restored.contains(id),
            "order {id} committed before the backup"
        );
    }
    assert!(restored.len() <= at_end.len());
    // One moment of the store: the orders are numbered without a gap, and each has its line.
    assert_eq!(restored, (1..=restored.len() as i64).collect::<Vec<_>>());
    let store = h.app.store().await.unwrap();
    assert_eq!(count(&store, "order_lines").await, restored.len() as i64);
    let check = h.call::<CheckStore>(()).await.unwrap();
    assert!(check.ok, "{:?}", check.findings);
    // The restore is audited in the restored store.
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'store.restored'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

/// What `kill -9` leaves at each moment of a backup: a copy never renamed (`.partial`), or a
/// checksum file without its copy; and a copy without its checksum file someone put there.
/// None is listed or restorable, and the next backup removes the `.partial`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_an_interrupted_backup_leaves_is_never_a_backup() {
    let folder = tempfile::tempdir().unwrap();
    let h = admin_with_backups_in(folder.path(), 30).await;
    let good = h.call::<BackUpNow>(()).await.unwrap().backups[0].clone();
    let bytes = std::fs::read(&good.file).unwrap();
    let partial = folder
        .path()
        .join("portdesk-20990101-000000000Z.sqlite.partial");
    std::fs::write(&partial, &bytes[..bytes.len() / 2]).unwrap();
    let orphan = folder.path().join("portdesk-20990101-000001000Z.sqlite");
    std::fs::write(&orphan, &bytes).unwrap();

    let listed = h.call::<GetBackups>(()).await.unwrap();
    assert_eq!(listed.backups.len(), 1, "only the finished backup");
    for (file, says) in [
        (&partial, "has no checksum file"),
        (&orphan, "has no checksum file"),
    ] {
        let e = h
            .call::<RestoreBackup>(restore(&file.display().to_string()))
            .await
            .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("file"));
        assert!(e.message.contains(says), "{}", e.message);
    }
    h.call::<BackUpNow>(()).await.unwrap();
    assert!(
        !partial.exists(),
        "a copy never renamed is cleared by the next backup"
    );
    // A copy without its checksum file is not ours to delete (someone may have put it
    // there); it is never listed or restored.
    assert!(orphan.exists());
    assert_eq!(h.call::<GetBackups>(()).await.unwrap().backups.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_restore_is_refused_naming_the_problem_and_changes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let h = admin_with_backups_in(folder.path(), 30).await;
    let store = h.app.store().await.unwrap();
    let good = h.call::<BackUpNow>(()).await.unwrap().backups[0].clone();
    // A change after the backup: every refused restore must leave it in place.
    let marker = || async {
        let store = h.app.store().await.unwrap();
        portdesk_core::settings::get(store.pool(), "test.marker")
            .await
            .unwrap()
    };
    portdesk_core::settings::set(store.pool(), "test.marker", "after the backup")
        .await
        .unwrap();
    let refused = |req: RestoreRequest| {
        let h = &h;
        async move { h.call::<RestoreBackup>(req).await.unwrap_err() }
    };

    let e = refused(restore("/nowhere/portdesk-x.sqlite")).await;
    assert!(e.message.contains("does not exist"), "{}", e.message);

    let junk = folder.path().join("portdesk-notes.sqlite");
    std::fs::write(&junk, "these are meeting notes, not a database").unwrap();
    let e = refused(restore(&junk.display().to_string())).await;
    assert!(
        e.message.contains("is not a SQLite database"),
        "{}",
        e.message
    );

    // Cut short after it was taken (a copy to a full share).
    let truncated = folder.path().join("portdesk-cut.sqlite");
    let bytes = std::fs::read(&good.file).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() - 4096]).unwrap();
    std::fs::copy(
        PathBuf::from(&good.file).with_extension("json"),
        truncated.with_extension("json"),
    )
    .unwrap();
    let e = refused(restore(&truncated.display().to_string())).await;
    assert!(e.message.contains("is damaged"), "{}", e.message);

    // Made by a newer Portdesk: its schema has a change this one does not know.
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (999999, 'from the future', TRUE, X'00', 0)")
        .execute(store.pool())
        .await
        .unwrap();
    let newer = h.call::<BackUpNow>(()).await.unwrap().backups[0].clone();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 999999")
        .execute(store.pool())
        .await
        .unwrap();
    let e = refused(restore(&newer.file)).await;
    assert!(e.message.contains("update Portdesk first"), "{}", e.message);

    // Another site's backup: asked to confirm, then restored when confirmed.
    sqlx::query("UPDATE settings SET value = 'another-site' WHERE key = 'site.id'")
        .execute(store.pool())
        .await
        .unwrap();
    let e = refused(restore(&good.file)).await;
    assert_eq!(e.field.as_deref(), Some("other_site"), "{}", e.message);
    assert!(e.message.contains("another site"), "{}", e.message);

    assert_eq!(
        marker().await.as_deref(),
        Some("after the backup"),
        "nothing was restored"
    );
    h.call::<RestoreBackup>(RestoreRequest {
        file: good.file.clone(),
        other_site: true,
    })
    .await
    .unwrap();
    assert_eq!(marker().await, None, "the backup's store is in place");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_keeps_exactly_the_newest_n() {
    let folder = tempfile::tempdir().unwrap();
    let h = admin_with_backups_in(folder.path(), 3).await;
    let mut all = Vec::new();
    for _ in 0..5 {
        let s = h.call::<BackUpNow>(()).await.unwrap();
        all.push(s.backups[0].file.clone());
    }
    let kept: Vec<String> = h
        .call::<GetBackups>(())
        .await
        .unwrap()
        .backups
        .into_iter()
        .map(|b| b.file)
        .collect();
    assert_eq!(kept, all[2..].iter().rev().cloned().collect::<Vec<_>>());
    let files = std::fs::read_dir(folder.path()).unwrap().count();
    assert_eq!(files, 6, "three copies and their three checksum files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_backup_warns_on_the_status_line_and_keeps_the_earlier_ones() {
    let folder = tempfile::tempdir().unwrap();
    let h = admin_with_backups_in(folder.path(), 30).await;
    h.call::<BackUpNow>(()).await.unwrap();
    assert_eq!(h.call::<AppStatus>(()).await.unwrap().backup_warning, None);
    // The folder is now a file: it cannot be made (a share that went read-only fails alike).
    let blocked = folder.path().join("not-a-folder");
    std::fs::write(&blocked, "x").unwrap();
    let settings = |f: &Path| BackupSettings {
        folder: Some(f.display().to_string()),
        ..Default::default()
    };
    h.call::<SaveBackupSettings>(settings(&blocked))
        .await
        .unwrap();
    let e = h.call::<BackUpNow>(()).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("folder"));
    assert!(
        e.message.contains(&blocked.display().to_string()),
        "{}",
        e.message
    );
    let warning = h.call::<AppStatus>(()).await.unwrap().backup_warning;
    assert!(
        warning
            .as_deref()
            .is_some_and(|w| w.contains("failed") && w.contains("not-a-folder")),
        "{warning:?}"
    );
    // A customer at a kiosk is not told.
    h.add_user("c@example.com", portdesk_types::Role::Customer)
        .await;
    h.sign_in_as("c@example.com").await;
    assert_eq!(h.call::<AppStatus>(()).await.unwrap().backup_warning, None);
    h.sign_in_as("ada@example.com").await;
    h.call::<SaveBackupSettings>(settings(folder.path()))
        .await
        .unwrap();
    let s: BackupStatus = h.call::<BackUpNow>(()).await.unwrap();
    assert_eq!(s.backups.len(), 2, "the earlier backup was kept");
    assert_eq!(h.call::<AppStatus>(()).await.unwrap().backup_warning, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_settings_are_checked_field_by_field() {
    let h = harness::start().await;
    h.first_admin().await;
    for (bad, field) in [
        (
            BackupSettings {
                folder: Some("relative/folder".into()),
                ..Default::default()
            },
            "folder",
        ),
        (
            BackupSettings {
                keep: 0,
                ..Default::default()
            },
            "keep",
        ),
        (
            BackupSettings {
                every_hours: 1000,
                ..Default::default()
            },
            "every_hours",
        ),
    ] {
        let e = h.call::<SaveBackupSettings>(bad).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Validation);
        assert_eq!(e.field.as_deref(), Some(field), "{}", e.message);
    }
    // Nothing was saved: the defaults stand.
    let s = h.call::<GetBackups>(()).await.unwrap();
    assert_eq!(s.settings, BackupSettings::default());
    assert!(s.folder.ends_with("backups"), "{}", s.folder);
}

/// A reference to a row that is not there (written past the store's own checks) is reported
/// in words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_check_reports_a_broken_reference() {
    let h = harness::start().await;
    h.first_admin().await;
    let check = h.call::<CheckStore>(()).await.unwrap();
    assert!(check.ok, "{:?}", check.findings);
    let file = h.dir.path().join("portdesk.db");
    {
        let db = rusqlite::Connection::open(&file).unwrap();
        db.pragma_update(None, "foreign_keys", false).unwrap();
        db.execute(
            "INSERT INTO order_lines (order_id, line_no, product_id, sku, name, quantity, unit_price, line_total) VALUES (4242, 1, 1, 'X', 'X', 1, 0, 0)",
            [],
        )
        .unwrap();
    }
    let check = h.call::<CheckStore>(()).await.unwrap();
    assert!(!check.ok);
    assert!(
        check
            .findings
            .iter()
            .any(|f| f.contains("order_lines") && f.contains("does not exist")),
        "{:?}",
        check.findings
    );
}

async fn check_on_both(h: Harness) {
    h.first_admin().await;
    let check = h.call::<CheckStore>(()).await.unwrap();
    assert!(check.ok, "{:?}", check.findings);
    if !h.call::<GetBackups>(()).await.unwrap().embedded {
        assert!(
            check.findings.iter().any(|f| f.starts_with("Sequences:")),
            "{:?}",
            check.findings
        );
    }
}
on_both_stores!(the_store_check_runs_on_both_stores, check_on_both);

/// Beside a server the app does not copy the server; a laptop's own file (its journal of
/// offline edits) is backed up to `local/` once it exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beside_a_server_only_the_laptops_own_file_is_backed_up() {
    let h = harness::start_on_postgres().await;
    h.first_admin().await;
    let own = h.dir.path().join(portdesk_core::local::FILE_NAME);
    if own.exists() {
        std::fs::remove_file(&own).unwrap();
    }
    let e = h.call::<BackUpNow>(()).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("folder"));
    assert!(e.message.contains("pg_dump"), "{}", e.message);

    h.app.local_store().await.unwrap();
    let s = h.call::<BackUpNow>(()).await.unwrap();
    assert!(!s.embedded);
    assert!(s.backups.is_empty(), "the server is not copied");
    assert_eq!(s.laptop.len(), 1);
    assert!(
        Path::new(&s.laptop[0].file).starts_with(Path::new(&s.folder).join("local")),
        "{}",
        s.laptop[0].file
    );
    portdesk_core::backup::verify(Path::new(&s.laptop[0].file), None, false)
        .expect_err("a laptop's file is no portal store to restore");
}

/// A small file system of the test's own (tmpfs), unmounted when dropped: a backup share that
/// fills up.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("mount");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs (root, as CI runs): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { dir }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

/// A backup folder that fills up in the middle of a copy: the half-written copy is removed,
/// the earlier backup is kept, and the warning names the folder and the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_that_fills_up_mid_copy_keeps_the_earlier_backup() {
    let disk = SmallDisk::mount("3m");
    let h = admin_with_backups_in(disk.dir.path(), 30).await;
    let first = h.call::<BackUpNow>(()).await.unwrap().backups[0].clone();
    // The store grows past what the share has left.
    let store = h.app.store().await.unwrap();
    portdesk_core::settings::set(store.pool(), "test.ballast", &"x".repeat(4 << 20))
        .await
        .unwrap();
    let e = h.call::<BackUpNow>(()).await.unwrap_err();
    assert_eq!(e.field.as_deref(), Some("folder"));
    assert!(
        e.message.contains(&disk.dir.path().display().to_string()),
        "{}",
        e.message
    );
    assert!(
        e.message.to_lowercase().contains("full") || e.message.contains("space"),
        "{}",
        e.message
    );
    let left: Vec<String> = std::fs::read_dir(disk.dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter().all(|n| !n.contains(".partial")),
        "the half-written copy is removed: {left:?}"
    );
    let kept = h.call::<GetBackups>(()).await.unwrap().backups;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].file, first.file, "the earlier backup is kept");
    let warning = h.call::<AppStatus>(()).await.unwrap().backup_warning;
    assert!(
        warning.is_some_and(|w| w.contains(&disk.dir.path().display().to_string())),
        "the status line names the folder"
    );
}

/// The backup folder Portdesk makes (the default, in the data folder) is this user's only: a
/// backup holds every password hash and every customer's orders.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_folder_portdesk_makes_is_the_users_only() {
    use std::os::unix::fs::PermissionsExt;
    let h = harness::start().await;
    h.first_admin().await;
    let s = h.call::<BackUpNow>(()).await.unwrap();
    let mode = std::fs::metadata(&s.folder).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "{}", s.folder);
}
