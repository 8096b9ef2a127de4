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

pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<Secret>, SecretError>;
    fn set(&self, key: &str, value: &Secret) -> Result<(), SecretError>;
    fn delete(&self, key: &str) -> Result<(), SecretError>;
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
    fn get(&self, key: &str) -> Result<Option<Secret>, SecretError> {
        match self.entry("read", key)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(err("read", key, e)),
        }
    }

    fn set(&self, key: &str, value: &Secret) -> Result<(), SecretError> {
        self.entry("save", key)?
            .set_password(value.expose())
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
    fn get(&self, key: &str) -> Result<Option<Secret>, SecretError> {
        Ok(self.0.lock().expect("secrets lock").get(key).cloned())
    }
    fn set(&self, key: &str, value: &Secret) -> Result<(), SecretError> {
        self.0
            .lock()
            .expect("secrets lock")
            .insert(key.to_owned(), value.clone());
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
}
