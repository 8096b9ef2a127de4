//! Every module's schema migrations, assembled into one migrator per store.
//!
//! Each business module keeps its own migrations under `migrations/<module>/` (`sqlite/` and
//! `postgres/` for the portal store, `local/` for the desktop's local store). File names are
//! time-stamped (`YYYYMMDDhhmmss_name.sql`), so two branches never pick the same number, and
//! the assembled list runs in time order whatever module a file belongs to.
//!
//! Stores made before this layout recorded versions 1, 2, 3 (portal) and 1, 2 (local cache);
//! [`carry_over_portal`] and [`carry_over_local`] rewrite that history to the time-stamped versions holding the same
//! DDL, so such a store opens with nothing re-applied and nothing lost.

use sqlx::migrate::{Migration, MigrationSource, Migrator};
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// One module's migrations for the portal store, in both dialects.
pub struct PortalModule {
    pub module: &'static str,
    pub sqlite: Migrator,
    pub postgres: Migrator,
}

/// Paths are relative to `src-tauri/core` (where `migrate!` resolves them).
pub static PORTAL: std::sync::LazyLock<Vec<PortalModule>> = std::sync::LazyLock::new(|| {
    vec![
        PortalModule {
            module: "accounts",
            sqlite: sqlx::migrate!("../../migrations/accounts/sqlite"),
            postgres: sqlx::migrate!("../../migrations/accounts/postgres"),
        },
        PortalModule {
            module: "audit",
            sqlite: sqlx::migrate!("../../migrations/audit/sqlite"),
            postgres: sqlx::migrate!("../../migrations/audit/postgres"),
        },
        PortalModule {
            module: "settings",
            sqlite: sqlx::migrate!("../../migrations/settings/sqlite"),
            postgres: sqlx::migrate!("../../migrations/settings/postgres"),
        },
        PortalModule {
            module: "mail",
            sqlite: sqlx::migrate!("../../migrations/mail/sqlite"),
            postgres: sqlx::migrate!("../../migrations/mail/postgres"),
        },
        PortalModule {
            module: "procurement",
            sqlite: sqlx::migrate!("../../migrations/procurement/sqlite"),
            postgres: sqlx::migrate!("../../migrations/procurement/postgres"),
        },
        PortalModule {
            module: "forecasts",
            sqlite: sqlx::migrate!("../../migrations/forecasts/sqlite"),
            postgres: sqlx::migrate!("../../migrations/forecasts/postgres"),
        },
        PortalModule {
            module: "orders",
            sqlite: sqlx::migrate!("../../migrations/orders/sqlite"),
            postgres: sqlx::migrate!("../../migrations/orders/postgres"),
        },
        PortalModule {
            module: "shop",
            sqlite: sqlx::migrate!("../../migrations/shop/sqlite"),
            postgres: sqlx::migrate!("../../migrations/shop/postgres"),
        },
        PortalModule {
            module: "support",
            sqlite: sqlx::migrate!("../../migrations/support/sqlite"),
            postgres: sqlx::migrate!("../../migrations/support/postgres"),
        },
        PortalModule {
            module: "events",
            sqlite: sqlx::migrate!("../../migrations/events/sqlite"),
            postgres: sqlx::migrate!("../../migrations/events/postgres"),
        },
    ]
});

/// Each module's migrations for the desktop's local SQLite store (caches, offline journals).
pub static LOCAL: std::sync::LazyLock<Vec<(&'static str, Migrator)>> =
    std::sync::LazyLock::new(|| {
        vec![
            (
                "accounts",
                sqlx::migrate!("../../migrations/accounts/local"),
            ),
            (
                "inventory",
                sqlx::migrate!("../../migrations/inventory/local"),
            ),
            (
                "forecasts",
                sqlx::migrate!("../../migrations/forecasts/local"),
            ),
        ]
    });

/// Which store a migrator is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    PortalSqlite,
    PortalPostgres,
    Local,
}

/// Old sequential versions and the time-stamped versions that hold exactly their DDL.
fn legacy_map(target: Target) -> &'static [(i64, &'static [i64])] {
    match target {
        Target::PortalSqlite | Target::PortalPostgres => &[
            // 0001_accounts: users, audit_log, settings
            (1, &[20261101090000, 20261101090100, 20261101090200]),
            // 0002_erp_verified
            (2, &[20261108090000]),
            // 0003_mail: the outbox tables and password reset codes
            (3, &[20261120090000, 20261120090100]),
        ],
        Target::Local => &[
            // cache 0001_inventory, 0002_snapshot_totals
            (1, &[20261110090000]),
            (2, &[20261112090000]),
        ],
    }
}

/// Every migration of `target`, in version order.
pub fn migrations(target: Target) -> Vec<Migration> {
    let sets: Vec<&Migrator> = match target {
        Target::PortalSqlite => PORTAL.iter().map(|m| &m.sqlite).collect(),
        Target::PortalPostgres => PORTAL.iter().map(|m| &m.postgres).collect(),
        Target::Local => LOCAL.iter().map(|(_, m)| m).collect(),
    };
    let mut all: Vec<Migration> = sets.into_iter().flat_map(|m| m.iter().cloned()).collect();
    all.sort_by_key(|m| m.version);
    all
}

#[derive(Debug)]
struct Assembled(Vec<Migration>);

impl<'s> MigrationSource<'s> for Assembled {
    fn resolve(
        self,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>>
                + Send
                + 's,
        >,
    > {
        Box::pin(async move { Ok(self.0) })
    }
}

/// The one migrator of `target`. Two modules must never share a version.
pub async fn migrator(target: Target) -> Result<Migrator, String> {
    let all = migrations(target);
    if let Some(w) = all.windows(2).find(|w| w[0].version == w[1].version) {
        return Err(format!(
            "two migrations share version {} ({} and {})",
            w[0].version, w[0].description, w[1].description
        ));
    }
    Migrator::new(Assembled(all))
        .await
        .map_err(|e| e.to_string())
}

/// The rows to write for a store whose history holds the pre-layout `legacy` versions:
/// (old version, the time-stamped migrations that replace it).
fn legacy_plan(target: Target, legacy: &[i64]) -> Result<Vec<(i64, Vec<Migration>)>, String> {
    let by_version: BTreeMap<i64, Migration> = migrations(target)
        .into_iter()
        .map(|m| (m.version, m))
        .collect();
    legacy
        .iter()
        .map(|old| {
            let (_, new) = legacy_map(target)
                .iter()
                .find(|(v, _)| v == old)
                .ok_or_else(|| {
                    format!(
                        "the store records migration {old}, which this version of Portdesk does not know"
                    )
                })?;
            Ok((*old, new.iter().map(|v| by_version[v].clone()).collect()))
        })
        .collect()
}

const FIND_LEGACY: &str = "SELECT version FROM _sqlx_migrations WHERE version < 1000 AND success";
const INSERT_ROW: &str = "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, $2, TRUE, $3, 0)";
const DELETE_ROW: &str = "DELETE FROM _sqlx_migrations WHERE version = $1";

fn carry_err(e: sqlx::Error) -> String {
    format!("cannot carry the migration history over: {e}")
}

/// Writes one plan in the transaction `$tx` (the same statements on every driver).
macro_rules! apply_plan {
    ($tx:expr, $plan:expr) => {{
        for (old, new) in $plan {
            for m in new {
                sqlx::query(INSERT_ROW)
                    .bind(m.version)
                    .bind(m.description.to_string())
                    .bind(m.checksum.to_vec())
                    .execute(&mut *$tx)
                    .await
                    .map_err(carry_err)?;
            }
            sqlx::query(DELETE_ROW)
                .bind(old)
                .execute(&mut *$tx)
                .await
                .map_err(carry_err)?;
        }
    }};
}

/// Rewrites a pre-layout portal history (versions 1, 2, 3) to the time-stamped versions holding
/// the same DDL, in one transaction. A store without such rows is left alone; a failed (dirty)
/// legacy row is left for the migrator to report.
pub async fn carry_over_portal(conn: &mut AnyConnection, target: Target) -> Result<(), String> {
    let exists: Option<(String,)> = match target {
        Target::PortalPostgres => sqlx::query_as(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(carry_err)?,
        _ => sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&mut *conn)
        .await
        .map_err(carry_err)?,
    };
    if exists.is_none() {
        return Ok(());
    }
    let mut tx = sqlx::Connection::begin(&mut *conn)
        .await
        .map_err(carry_err)?;
    if target == Target::PortalPostgres {
        // Desktops sharing the store may start together: one carries the history over, the
        // others then find nothing left to do.
        sqlx::query("SELECT pg_advisory_xact_lock(7263100001)")
            .execute(&mut *tx)
            .await
            .map_err(carry_err)?;
    }
    let rows = sqlx::query(FIND_LEGACY)
        .fetch_all(&mut *tx)
        .await
        .map_err(carry_err)?;
    let legacy: Vec<i64> = rows.iter().map(|r| r.get::<i64, _>(0)).collect();
    if legacy.is_empty() {
        return Ok(());
    }
    let plan = legacy_plan(target, &legacy)?;
    apply_plan!(tx, plan);
    tx.commit().await.map_err(carry_err)?;
    tracing::info!(
        ?target,
        "migration history carried over to time-stamped versions"
    );
    Ok(())
}

/// As [`carry_over_portal`], for the desktop's local SQLite store.
pub async fn carry_over_local(conn: &mut sqlx::SqliteConnection) -> Result<(), String> {
    let exists: Option<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
    )
    .fetch_optional(&mut *conn)
    .await
    .map_err(carry_err)?;
    if exists.is_none() {
        return Ok(());
    }
    let mut tx = sqlx::Connection::begin(&mut *conn)
        .await
        .map_err(carry_err)?;
    let rows = sqlx::query(FIND_LEGACY)
        .fetch_all(&mut *tx)
        .await
        .map_err(carry_err)?;
    let legacy: Vec<i64> = rows.iter().map(|r| r.get::<i64, _>(0)).collect();
    if legacy.is_empty() {
        return Ok(());
    }
    let plan = legacy_plan(Target::Local, &legacy)?;
    apply_plan!(tx, plan);
    tx.commit().await.map_err(carry_err)?;
    tracing::info!("local store: migration history carried over to time-stamped versions");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_unique_and_time_stamped() {
        for target in [Target::PortalSqlite, Target::PortalPostgres, Target::Local] {
            let all = migrations(target);
            assert!(!all.is_empty());
            for w in all.windows(2) {
                assert!(
                    w[0].version < w[1].version,
                    "{target:?}: {} repeats",
                    w[1].version
                );
            }
            for m in &all {
                assert!(
                    (20_000_000_000_000..30_000_000_000_000).contains(&m.version),
                    "{target:?}: {} is not a YYYYMMDDhhmmss version",
                    m.version
                );
            }
        }
    }

    #[test]
    fn both_dialects_have_the_same_versions() {
        for m in PORTAL.iter() {
            let lite: Vec<i64> = m.sqlite.iter().map(|m| m.version).collect();
            let pg: Vec<i64> = m.postgres.iter().map(|m| m.version).collect();
            assert_eq!(
                lite, pg,
                "module {}: SQLite and PostgreSQL versions differ",
                m.module
            );
        }
    }

    #[test]
    fn every_legacy_version_maps_to_existing_migrations() {
        for target in [Target::PortalSqlite, Target::PortalPostgres, Target::Local] {
            let known: Vec<i64> = migrations(target).iter().map(|m| m.version).collect();
            for (_, new) in legacy_map(target) {
                for v in *new {
                    assert!(known.contains(v), "{target:?}: {v} is not a migration");
                }
            }
        }
    }
}
