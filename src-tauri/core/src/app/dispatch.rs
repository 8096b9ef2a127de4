//! The one entry point of UI commands. Every business module declares its commands in a table
//! (`commands()` in its `commands` file) where each entry holds the command's access rule and its
//! handler together (`route!`); this file assembles the tables, checks the caller against the
//! rule, and runs the handler. A command without a rule or without a handler cannot be written.

use super::Portdesk;
use crate::accounts::User;
use crate::error::{CoreError, Result};
use portdesk_types::api::{AppStatus, KeepAlive, Logout, MoveStore, Record};
use portdesk_types::{ApiError, Command, ErrorKind, ModuleId, Role};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Who may call a command: declared with the command in `portdesk_types` (see `Command`).
pub use portdesk_types::api::Access;

/// `dispatch`'s future, boxed and `Send` so the shell can run it on any runtime thread.
pub type DispatchFuture<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = std::result::Result<serde_json::Value, ApiError>>
            + Send
            + 'a,
    >,
>;

/// Decodes the request, runs the handler, encodes the reply. `route!` writes these.
pub(crate) type Handler =
    for<'a> fn(&'a Portdesk, Option<User>, serde_json::Value) -> DispatchFuture<'a>;

/// One command: its name, who may call it, and what runs.
pub struct Route {
    pub name: &'static str,
    pub access: Access,
    /// Runs while the store does not answer, as the account the store last confirmed (the
    /// handler then works on this desktop's local copy).
    pub offline: bool,
    pub(crate) call: Handler,
}

/// A business module's commands, and the window whose roles bound them.
pub struct ModuleCommands {
    pub module: &'static str,
    /// `None` for the commands every window shares (session, ERP lookups).
    pub window: Option<ModuleId>,
    pub routes: Vec<Route>,
    /// What the module runs in the background for as long as the service lives (started by
    /// `Portdesk::start_with`, which knows no module by name).
    pub tasks: Vec<BackgroundTask>,
    /// The module's events that arrive from other desktops (the bus), each with who on this
    /// desktop may see it (`Portdesk::deliver`); events not listed go to every window.
    pub events: Vec<(&'static str, Deliver)>,
    /// For each kind of customer-owned record the module keeps, who owns one (the router's
    /// ownership check, see `check_owner`).
    pub owners: Vec<(Record, OwnerOf)>,
}

/// The customer account that owns record `id`, or `None` when there is no such record.
pub type OwnerOf = for<'a> fn(&'a Portdesk, i64) -> BoxFuture<'a, Result<Option<i64>>>;

/// A module's background task, given the service it must not keep alive.
pub type BackgroundTask = fn(std::sync::Weak<Portdesk>) -> BoxFuture<'static, ()>;

/// Hands an event from another desktop to this desktop's windows, if its user may see it.
pub type Deliver = for<'a> fn(&'a Portdesk, serde_json::Value) -> BoxFuture<'a, ()>;

/// A boxed, `Send` future (background tasks and deliveries).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// One entry of a module's table: `route!(public Cmd => handler)`,
/// `route!(signed_in Cmd => handler)`, `route!(roles Cmd => handler)` (`roles offline; …` also
/// runs while the store is away). The rule is the command's own `Command::ACCESS`, declared
/// with it in `portdesk_types`; the keyword only says whether the handler takes the signed-in
/// `User` (guarded) or none (public).
macro_rules! route {
    (public $cmd:ty => $handler:path) => {
        $crate::app::dispatch::Route {
            name: <$cmd as portdesk_types::Command>::NAME,
            access: <$cmd as portdesk_types::Command>::ACCESS,
            offline: false,
            call: |app, _user, payload| {
                Box::pin(async move {
                    let req = $crate::app::dispatch::decode::<$cmd>(payload)?;
                    $crate::app::dispatch::encode($handler(app, req).await)
                })
            },
        }
    };
    (signed_in $cmd:ty => $handler:path) => {
        $crate::app::dispatch::Route {
            name: <$cmd as portdesk_types::Command>::NAME,
            access: <$cmd as portdesk_types::Command>::ACCESS,
            offline: false,
            call: |app, user, payload| {
                Box::pin(async move {
                    let user = $crate::app::dispatch::signed_in(user)?;
                    let req = $crate::app::dispatch::decode::<$cmd>(payload)?;
                    $crate::app::dispatch::encode($handler(app, user, req).await)
                })
            },
        }
    };
    // Also while the store does not answer (see `Route::offline`).
    (roles offline; $cmd:ty => $handler:path) => {
        route!(@roles true; $cmd => $handler)
    };
    (roles $cmd:ty => $handler:path) => {
        route!(@roles false; $cmd => $handler)
    };
    (@roles $offline:expr; $cmd:ty => $handler:path) => {
        $crate::app::dispatch::Route {
            name: <$cmd as portdesk_types::Command>::NAME,
            access: <$cmd as portdesk_types::Command>::ACCESS,
            offline: $offline,
            call: |app, user, payload| {
                Box::pin(async move {
                    let user = $crate::app::dispatch::signed_in(user)?;
                    let req = $crate::app::dispatch::decode::<$cmd>(payload)?;
                    $crate::app::dispatch::check_owner::<$cmd>(app, &user, &req).await?;
                    $crate::app::dispatch::encode($handler(app, user, req).await)
                })
            },
        }
    };
}
pub(crate) use route;

pub(crate) fn decode<C: Command>(
    payload: serde_json::Value,
) -> std::result::Result<C::Request, ApiError> {
    serde_json::from_value(payload).map_err(|e| {
        ApiError::new(
            ErrorKind::Validation,
            format!("Malformed request for {}: {e}", C::NAME),
        )
    })
}

pub(crate) fn encode<T: serde::Serialize>(
    reply: Result<T>,
) -> std::result::Result<serde_json::Value, ApiError> {
    let reply = reply.map_err(ApiError::from)?;
    serde_json::to_value(reply).map_err(|e| ApiError::new(ErrorKind::Internal, e.to_string()))
}

/// A customer reaches only their own records: when `C`'s request names one (declared with
/// `owns` next to the command), its owner must be the caller. Another customer's record is
/// answered as unknown (so ids cannot be probed), as is one that does not exist.
pub(crate) async fn check_owner<C: Command>(
    app: &Portdesk,
    user: &User,
    req: &C::Request,
) -> std::result::Result<(), ApiError> {
    if user.role != Role::Customer {
        return Ok(());
    }
    let Some(owned) = C::owned(req) else {
        return Ok(());
    };
    let owner_of = OWNERS.get(&owned.record).ok_or_else(|| {
        ApiError::new(
            ErrorKind::Internal,
            format!("no module says who owns a {:?}", owned.record),
        )
    })?;
    let unknown = || -> ApiError {
        CoreError::NotFound(format!("There is no {} {}.", owned.record.noun(), owned.id)).into()
    };
    match owner_of(app, owned.id).await.map_err(ApiError::from)? {
        Some(owner) if owner == user.id => Ok(()),
        Some(_) => {
            tracing::warn!(
                user_id = user.id,
                command = C::NAME,
                record = ?owned.record,
                "a customer named another account's record"
            );
            Err(unknown())
        }
        // Unknown now is answered as unknown: a record committed between this check and the
        // handler's read (the next id, polled) is never let through.
        None => Err(unknown()),
    }
}

/// An `OwnerOf` in one query: `sql` selects the owning account's id for `$1`.
pub(crate) async fn owner_by(app: &Portdesk, sql: &'static str, id: i64) -> Result<Option<i64>> {
    let store = app.store().await?;
    Ok(sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

/// The user a guarded handler runs for; the dispatch has already checked the rule.
pub(crate) fn signed_in(user: Option<User>) -> std::result::Result<User, ApiError> {
    user.ok_or_else(ApiError::unauthenticated)
}

/// Every module's table. Adding a module adds one line here.
pub fn modules() -> Vec<ModuleCommands> {
    vec![
        crate::session::commands(),
        crate::settings::commands::commands(),
        crate::erp::commands::commands(),
        crate::inventory::commands::commands(),
        crate::accounts::commands::commands(),
        crate::mail::commands::commands(),
        crate::orders::commands::commands(),
        crate::procurement::commands::commands(),
        crate::forecasts::commands::commands(),
        crate::shop::commands::commands(),
        crate::support::commands::commands(),
    ]
}

/// Each module's rule for its events arriving from other desktops, by event name (built once:
/// `Portdesk::deliver` runs for every event on the bus).
pub(crate) static EVENT_RULES: LazyLock<HashMap<&'static str, Deliver>> =
    LazyLock::new(|| modules().into_iter().flat_map(|m| m.events).collect());

/// Who owns each kind of customer record, from the module that keeps it (built once).
static OWNERS: LazyLock<HashMap<Record, OwnerOf>> =
    LazyLock::new(|| modules().into_iter().flat_map(|m| m.owners).collect());

static ROUTES: LazyLock<HashMap<&'static str, Route>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for m in modules() {
        for r in m.routes {
            let name = r.name;
            // Two modules claiming one name is a programming error; the guard test names it.
            assert!(
                map.insert(name, r).is_none(),
                "command {name} is routed twice"
            );
        }
    }
    map
});

/// The access rule of a command; the dispatch and the role-matrix tests both read it.
pub fn access(command: &str) -> Option<Access> {
    ROUTES.get(command).map(|r| r.access)
}

impl Portdesk {
    /// A command that got no store connection in time: busy (the status line says so for a
    /// minute) or away.
    async fn store_wait_failed(&self) -> ApiError {
        let current = self.store.read().await.clone();
        let busy = match &current {
            Ok(store) => store.busy().await.unwrap_or(false),
            Err(_) => false,
        };
        if busy {
            self.mark_store_busy();
            tracing::warn!("the shared store is busy: a command got no connection in time");
            ApiError::new(ErrorKind::Unavailable, portdesk_types::settings::STORE_BUSY)
        } else {
            ApiError::new(
                ErrorKind::Unavailable,
                "The portal store does not answer: nothing was changed; Portdesk tries again shortly.",
            )
        }
    }

    async fn require(&self, rule: Access, offline: bool) -> Result<Option<User>> {
        match rule {
            Access::Public => Ok(None),
            Access::SignedIn => self.current_user().await.map(Some),
            Access::Roles(roles) => {
                let user = if offline {
                    self.current_user_or_last_verified().await?
                } else {
                    self.current_user().await?
                };
                if user.must_change_password {
                    return Err(CoreError::PasswordChangeRequired);
                }
                if !roles.contains(&user.role) {
                    tracing::warn!(user_id = user.id, role = %user.role, "forbidden command");
                    return Err(CoreError::Forbidden);
                }
                Ok(Some(user))
            }
        }
    }

    /// The single entry point of UI commands: checks access, decodes the request, runs the
    /// handler, encodes the reply. Payloads are never logged: they may hold passwords.
    pub fn dispatch<'a>(
        &'a self,
        command: &'a str,
        payload: serde_json::Value,
    ) -> DispatchFuture<'a> {
        Box::pin(async move {
            let mut result = self.dispatch_inner(command, payload).await;
            // No store connection in time (for the session check or the handler): busy or away.
            if let Err(e) = &mut result
                && e.message == portdesk_types::settings::STORE_NO_CONNECTION
            {
                *e = self.store_wait_failed().await;
            }
            if let Err(e) = &result
                && e.kind == ErrorKind::Unavailable
            {
                self.look_for_primary().await;
            }
            if let Err(e) = &result {
                // Logged once, here, with the command's name; messages hold no secret (the
                // log writer redacts what a driver might echo).
                match e.kind {
                    ErrorKind::Internal => {
                        tracing::error!(command, error = %e.message, "command failed")
                    }
                    ErrorKind::Unavailable => {
                        tracing::warn!(command, error = %e.message, "command failed")
                    }
                    _ => tracing::debug!(command, kind = ?e.kind, "command refused"),
                }
            }
            result
        })
    }

    async fn dispatch_inner(
        &self,
        command: &str,
        payload: serde_json::Value,
    ) -> std::result::Result<serde_json::Value, ApiError> {
        let route = ROUTES.get(command).ok_or_else(|| {
            ApiError::new(
                ErrorKind::NotFound,
                format!("Unknown command \"{command}\"."),
            )
        })?;
        tracing::debug!(command, "command");
        // While the store moves, nothing may write to the old one (it would be left behind).
        if self.moving.load(std::sync::atomic::Ordering::SeqCst)
            && ![
                AppStatus::NAME,
                KeepAlive::NAME,
                Logout::NAME,
                MoveStore::NAME,
            ]
            .contains(&command)
        {
            return Err(crate::settings::commands::moving_now().into());
        }
        let user = self
            .require(route.access, route.offline)
            .await
            .map_err(ApiError::from)?;
        // A status poll is not activity: it must not keep an idle kiosk signed in.
        if user.is_some() && command != AppStatus::NAME {
            self.touch().await;
        }
        let queued = crate::mail::outbox::queued_count();
        let reply = (route.call)(self, user, payload).await;
        // Mail the command queued (committed by now) goes out without waiting for the poll.
        if crate::mail::outbox::queued_count() != queued {
            self.wake_mail();
        }
        reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portdesk_types::Role;
    use portdesk_types::api::ALL_COMMANDS;

    #[test]
    fn every_shared_command_is_routed_and_every_route_is_shared() {
        for name in ALL_COMMANDS.iter() {
            assert!(
                ROUTES.contains_key(name),
                "{name} has no route (no rule, no handler)"
            );
        }
        for name in ROUTES.keys() {
            assert!(
                ALL_COMMANDS.contains(name),
                "route {name} is not in the shared command list"
            );
        }
        let total: usize = modules().iter().map(|m| m.routes.len()).sum();
        assert_eq!(total, ROUTES.len(), "a command is routed by two modules");
    }

    /// A command a customer may call either declares the owned record its request names
    /// (`owns`, checked by the router) or is listed here with why it names none: a new
    /// customer command cannot be added without deciding, and every owned kind has an owner.
    #[test]
    fn every_customer_command_declares_what_it_owns() {
        const NAMES_NO_OTHER_CUSTOMERS_RECORD: &[&str] = &[
            // The caller's own session, profile and windows.
            "list_modules",
            "open_module",
            "get_profile",
            "update_profile",
            // Bound to the caller's ERP customer in the handler (a customer has no picker);
            // a refresh is the caller's own job.
            "refresh_inventory",
            "cancel_refresh",
            "get_inventory_settings",
            "query_inventory",
            "export_inventory",
            // The shared catalogue, pictures, knowledge base and module settings.
            "order_products",
            "shop_catalogue",
            "shop_listing",
            "shop_picture",
            "shop_settings",
            "support_kb_search",
            "support_kb_article",
            "support_settings",
            // Lists and carts bound to the caller in the handler.
            "shop_cart",
            "shop_add_to_cart",
            "shop_set_quantity",
            "shop_remove_from_cart",
            "shop_clear_cart",
            "shop_addresses",
            "shop_my_orders",
            "support_tickets",
            "support_create_ticket",
            "support_calls",
            "support_notifications",
            "support_notifications_read",
        ];
        for d in portdesk_types::api::all_declared() {
            let Access::Roles(roles) = d.access else {
                continue;
            };
            if roles.contains(&Role::Customer) {
                assert!(
                    d.owns || NAMES_NO_OTHER_CUSTOMERS_RECORD.contains(&d.name),
                    "{}: a customer may call it; declare the record it names (`owns`) or list it",
                    d.name
                );
            }
        }
        use portdesk_types::api::Record;
        for r in [
            Record::Account,
            Record::Order,
            Record::Ticket,
            Record::Attachment,
            Record::Address,
        ] {
            assert!(OWNERS.contains_key(&r), "no module says who owns a {r:?}");
        }
    }

    /// The router enforces exactly what each command declares in `portdesk_types` (which the
    /// windows ask before offering a button): there is no second copy of a rule to drift.
    #[test]
    fn every_route_enforces_the_commands_declared_rule() {
        for m in modules() {
            for r in &m.routes {
                assert_eq!(
                    Some(r.access),
                    portdesk_types::api::declared_access(r.name),
                    "{}",
                    r.name
                );
            }
        }
        // And a window asking the declaration gets the router's answer for every role.
        use portdesk_types::api::{AdvanceOrderStatus, may};
        for role in Role::ALL {
            let routed = matches!(access(AdvanceOrderStatus::NAME), Some(Access::Roles(r)) if r.contains(&role));
            assert_eq!(may::<AdvanceOrderStatus>(role), routed, "{role:?}");
        }
    }

    #[test]
    fn no_command_grants_a_role_its_window_refuses() {
        for m in modules() {
            let Some(window) = m.window else { continue };
            for r in &m.routes {
                let roles: &[Role] = match r.access {
                    Access::Roles(roles) => roles,
                    other => panic!(
                        "{}: {} is {other:?}; a window's commands need a role set",
                        m.module, r.name
                    ),
                };
                for role in roles {
                    assert!(
                        window.allows(*role),
                        "{}: {} grants {role}, which the {} window does not allow",
                        m.module,
                        r.name,
                        window.title()
                    );
                }
            }
        }
    }

    #[test]
    fn only_session_and_erp_commands_live_outside_a_window() {
        for m in modules() {
            if m.window.is_none() {
                assert!(
                    ["session", "erp"].contains(&m.module),
                    "module {} has no window",
                    m.module
                );
            }
        }
    }
}
