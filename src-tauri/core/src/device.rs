//! This desktop's own key: 32 random bytes kept in the OS keyring (never in a file), with
//! which the desktop signs what it keeps in files a user can edit — the offline sign-in
//! records and the journal of offline edits. A copied, edited or planted row fails its check
//! ([`DeviceKey::verify`]): the file alone is worth nothing on another machine, and nothing
//! in it is believed beyond what the key vouches for.

use crate::error::{CoreError, Result};
use crate::secrets::SecretStore;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The keyring entry of this desktop's key.
pub const DEVICE_KEY: &str = "device-key";

type HmacSha256 = Hmac<Sha256>;

/// The key (never printed: no `Debug` of its bytes).
#[derive(Clone)]
pub struct DeviceKey([u8; 32]);

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceKey(…)")
    }
}

impl DeviceKey {
    /// This desktop's key, made on first use. Without a keyring nothing offline is kept.
    pub fn get_or_create(secrets: &dyn SecretStore) -> Result<DeviceKey> {
        if let Some(k) = Self::existing(secrets)? {
            return Ok(k);
        }
        let mut bytes = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        secrets.write(DEVICE_KEY, &text)?;
        // Read back: two first uses at once keep whichever was written last, and both use it.
        Self::existing(secrets)?
            .ok_or_else(|| CoreError::Internal("the device key was not kept by the keyring".into()))
    }

    /// The key if this desktop has one (a missing or damaged entry: none).
    pub fn existing(secrets: &dyn SecretStore) -> Result<Option<DeviceKey>> {
        let Some(text) = secrets.read(DEVICE_KEY)? else {
            return Ok(None);
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        Ok(bytes.map(DeviceKey))
    }

    fn mac(&self, purpose: &str, parts: &[&[u8]]) -> HmacSha256 {
        let mut m =
            <HmacSha256 as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        m.update(purpose.as_bytes());
        for p in parts {
            // Length-prefixed: no two different lists of parts give the same input.
            m.update(&(p.len() as u64).to_le_bytes());
            m.update(p);
        }
        m
    }

    /// A tag over `parts` for `purpose` (hex).
    pub fn sign(&self, purpose: &str, parts: &[&[u8]]) -> String {
        let tag = self.mac(purpose, parts).finalize().into_bytes();
        tag.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// [`sign`](Self::sign) over texts (a record's fields).
    pub fn sign_texts(&self, purpose: &str, parts: &[String]) -> String {
        let bytes: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
        self.sign(purpose, &bytes)
    }

    /// [`verify`](Self::verify) over texts.
    pub fn verify_texts(&self, purpose: &str, parts: &[String], tag: &str) -> bool {
        let bytes: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
        self.verify(purpose, &bytes, tag)
    }

    /// Whether `tag` is this key's tag over `parts` (compared in constant time).
    pub fn verify(&self, purpose: &str, parts: &[&[u8]], tag: &str) -> bool {
        let Some(bytes) = unhex(tag) else {
            return false;
        };
        self.mac(purpose, parts).verify_slice(&bytes).is_ok()
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// This desktop's id (a data folder's), made on first use: names the desktop that sends the
/// site's mail. Only an identity — a changed file at most makes this desktop another one.
pub fn desktop_id(paths: &crate::paths::AppPaths) -> String {
    let file = paths.data_dir.join("desktop.id");
    if let Ok(id) = std::fs::read_to_string(&file) {
        let id = id.trim();
        if id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()) {
            return id.to_owned();
        }
    }
    let id = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
    let _ = std::fs::create_dir_all(&paths.data_dir);
    if let Err(e) = std::fs::write(&file, &id) {
        tracing::warn!(
            "this desktop's id cannot be kept in {}: {e}",
            file.display()
        );
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemorySecrets;

    #[test]
    fn a_tag_binds_every_part_and_the_key() {
        let secrets = MemorySecrets::default();
        let k = DeviceKey::get_or_create(&secrets).unwrap();
        let again = DeviceKey::get_or_create(&secrets).unwrap();
        let tag = k.sign("row", &[b"rita", b"42"]);
        assert!(
            again.verify("row", &[b"rita", b"42"], &tag),
            "the same key is kept"
        );
        assert!(!k.verify("row", &[b"rita", b"43"], &tag));
        assert!(
            !k.verify("row", &[b"rit", b"a42"], &tag),
            "parts are length-prefixed"
        );
        assert!(!k.verify("other", &[b"rita", b"42"], &tag));
        let elsewhere = DeviceKey::get_or_create(&MemorySecrets::default()).unwrap();
        assert!(
            !elsewhere.verify("row", &[b"rita", b"42"], &tag),
            "another desktop's key"
        );
        assert!(!k.verify("row", &[b"rita", b"42"], "zz"));
    }
}
