//! Secrets live in the OS keyring only (Windows Credential Manager, macOS Keychain, Linux
//! kernel keyutils), never in the config file or a log.

use portdesk_types::Secret;
use std::collections::HashMap;
use std::sync::Mutex;

pub const SERVICE: &str = "portdesk";
/// Keyring entry names.
pub const ERP_PASSWORD: &str = "erp-password";
pub const STORE_PASSWORD: &str = "store-password";

#[derive(Debug, thiserror::Error)]
#[error("The OS keyring cannot {action} \"{key}\": {reason}")]
pub struct SecretError {
    pub action: &'static str,
    pub key: String,
    pub reason: String,
}

/// A back end keeps raw text per key; the provided methods add the server a secret belongs
/// to, in the same entry (one keyring write, so a secret and its server never disagree).
pub trait SecretStore: Send + Sync {
    /// The entry's raw text.
    fn read(&self, key: &str) -> Result<Option<String>, SecretError>;
    fn write(&self, key: &str, value: &str) -> Result<(), SecretError>;
    fn delete(&self, key: &str) -> Result<(), SecretError>;

    /// The saved secret and the server it was saved for.
    fn saved(&self, key: &str) -> Result<Option<Saved>, SecretError> {
        Ok(self.read(key)?.map(|raw| decode(&raw)))
    }

    /// The secret, whatever server it belongs to (for the saved settings' own connection).
    fn get(&self, key: &str) -> Result<Option<Secret>, SecretError> {
        Ok(self.saved(key)?.map(|s| s.secret))
    }

    /// Saves a secret bound to no server (as entries were before bindings existed).
    fn set(&self, key: &str, value: &Secret) -> Result<(), SecretError> {
        self.write(key, value.expose())
    }

    /// Saves a secret for `server` (see `portdesk_types::settings::secret_server`).
    fn set_for(&self, key: &str, server: &str, value: &Secret) -> Result<(), SecretError> {
        let raw = serde_json::json!({ "server": server, "secret": value.expose() });
        self.write(key, &format!("{BOUND_PREFIX}{raw}"))
    }
}

/// Marks an entry that records its server; older entries are the bare secret.
const BOUND_PREFIX: &str = "portdesk-bound-v1:";

/// A secret as saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub secret: Secret,
    /// `None`: saved before secrets were bound to their server.
    pub server: Option<String>,
}

fn decode(raw: &str) -> Saved {
    #[derive(serde::Deserialize)]
    struct Bound {
        server: String,
        secret: String,
    }
    match raw
        .strip_prefix(BOUND_PREFIX)
        .and_then(|j| serde_json::from_str::<Bound>(j).ok())
    {
        Some(b) => Saved {
            secret: Secret::new(b.secret),
            server: Some(b.server),
        },
        None => Saved {
            secret: Secret::new(raw),
            server: None,
        },
    }
}

/// The saved secret as seen from one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForServer {
    /// Nothing is saved.
    Nothing,
    /// Saved for this server.
    Matching(Secret),
    /// Saved for another server: it must be typed again for this one.
    OtherServer,
}

/// The saved secret of `key`, usable only if it was saved for `server`. `saved_server` is the
/// server of the saved settings: an entry from before bindings existed is taken to belong to
/// it, and is bound to it now (never to a server named only in a request).
pub fn for_server(
    store: &dyn SecretStore,
    key: &str,
    server: &str,
    saved_server: Option<&str>,
) -> Result<ForServer, SecretError> {
    let Some(saved) = store.saved(key)? else {
        return Ok(ForServer::Nothing);
    };
    let bound = match saved.server {
        Some(b) => b,
        None => match saved_server {
            Some(s) => {
                store.set_for(key, s, &saved.secret)?;
                s.to_owned()
            }
            None => return Ok(ForServer::OtherServer),
        },
    };
    Ok(if bound == server {
        ForServer::Matching(saved.secret)
    } else {
        ForServer::OtherServer
    })
}

/// The OS keyring through the `keyring` crate.
pub struct KeyringSecrets {
    service: String,
}

impl KeyringSecrets {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, action: &'static str, key: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, key).map_err(|e| err(action, key, e))
    }
}

impl Default for KeyringSecrets {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

fn err(action: &'static str, key: &str, e: keyring::Error) -> SecretError {
    SecretError {
        action,
        key: key.to_owned(),
        reason: e.to_string(),
    }
}

impl SecretStore for KeyringSecrets {
    fn read(&self, key: &str) -> Result<Option<String>, SecretError> {
        match self.entry("read", key)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(err("read", key, e)),
        }
    }

    fn write(&self, key: &str, value: &str) -> Result<(), SecretError> {
        self.entry("save", key)?
            .set_password(value)
            .map_err(|e| err("save", key, e))
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        match self.entry("delete", key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(err("delete", key, e)),
        }
    }
}

/// An in-process store for tests that need no OS keyring.
#[derive(Default)]
pub struct MemorySecrets(Mutex<HashMap<String, Secret>>);

impl SecretStore for MemorySecrets {
    fn read(&self, key: &str) -> Result<Option<String>, SecretError> {
        Ok(self
            .0
            .lock()
            .expect("secrets lock")
            .get(key)
            .map(|s| s.expose().to_owned()))
    }
    fn write(&self, key: &str, value: &str) -> Result<(), SecretError> {
        self.0
            .lock()
            .expect("secrets lock")
            .insert(key.to_owned(), Secret::new(value));
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), SecretError> {
        self.0.lock().expect("secrets lock").remove(key);
        Ok(())
    }
}

/// Gives the calling thread a fresh session keyring of its own (Linux keyutils), so tests
/// never touch, and are never disturbed by, the developer's keyring.
#[cfg(target_os = "linux")]
pub fn join_private_session_keyring() -> std::io::Result<()> {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: KEYCTL_JOIN_SESSION_KEYRING with a NULL name creates an anonymous keyring and
    // reads no memory of ours.
    let r = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The real OS back end (kernel keyutils) inside a session keyring of this test's own.
    #[test]
    fn keyutils_keyring_saves_reads_replaces_and_deletes() {
        join_private_session_keyring().expect("join a private session keyring");
        let store = KeyringSecrets::new("portdesk-test");
        assert_eq!(store.get(ERP_PASSWORD).unwrap(), None);
        store
            .set(ERP_PASSWORD, &Secret::new("first-Secret-1"))
            .unwrap();
        assert_eq!(
            store.get(ERP_PASSWORD).unwrap().unwrap().expose(),
            "first-Secret-1"
        );
        store
            .set(ERP_PASSWORD, &Secret::new("second-Secret-2"))
            .unwrap();
        assert_eq!(
            store.get(ERP_PASSWORD).unwrap().unwrap().expose(),
            "second-Secret-2"
        );
        assert_eq!(
            store.get(STORE_PASSWORD).unwrap(),
            None,
            "entries are separate"
        );
        store.delete(ERP_PASSWORD).unwrap();
        assert_eq!(store.get(ERP_PASSWORD).unwrap(), None);
        store
            .delete(ERP_PASSWORD)
            .expect("deleting a missing entry is not an error");
    }

    #[test]
    fn a_secret_is_handed_out_only_for_its_server_and_old_entries_adopt_the_saved_one() {
        let store = MemorySecrets::default();
        let (a, b) = ("mssql://u@a:1433/", "mssql://u@b:1433/");
        assert_eq!(
            for_server(&store, ERP_PASSWORD, a, Some(a)).unwrap(),
            ForServer::Nothing
        );
        store.set_for(ERP_PASSWORD, a, &Secret::new("S-1")).unwrap();
        assert_eq!(store.get(ERP_PASSWORD).unwrap().unwrap().expose(), "S-1");
        assert_eq!(
            for_server(&store, ERP_PASSWORD, a, Some(a)).unwrap(),
            ForServer::Matching(Secret::new("S-1"))
        );
        assert_eq!(
            for_server(&store, ERP_PASSWORD, b, Some(b)).unwrap(),
            ForServer::OtherServer,
            "the saved settings moving does not move the secret"
        );
        // An entry saved before bindings: it belongs to the saved settings, not to a request.
        store.set(STORE_PASSWORD, &Secret::new("old")).unwrap();
        assert_eq!(
            for_server(&store, STORE_PASSWORD, b, Some(a)).unwrap(),
            ForServer::OtherServer
        );
        assert_eq!(
            store
                .saved(STORE_PASSWORD)
                .unwrap()
                .unwrap()
                .server
                .as_deref(),
            Some(a)
        );
        assert_eq!(
            for_server(&store, STORE_PASSWORD, a, Some(a)).unwrap(),
            ForServer::Matching(Secret::new("old"))
        );
    }
}
