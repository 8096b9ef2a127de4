//! Attachments: typed by their content, never by their name; at most the configured size;
//! stored once per SHA-256; opened inside the window (pictures) or with the system's viewer
//! through a temporary file whose extension is the content's own (a picture named `x.exe`
//! is opened as `x.png`), and never with the viewer at a kiosk.

use crate::error::{CoreError, Result};
use crate::store::Store;
use portdesk_types::support::*;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use std::path::{Path, PathBuf};

/// A file checked and read, ready to store.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
    pub hash: String,
}

/// Most files on one message.
pub const MAX_FILES: usize = 10;

/// What may be attached: pictures, PDF, Office documents, plain text.
fn allowed(mime: &str) -> bool {
    matches!(
        mime,
        "image/png"
            | "image/jpeg"
            | "image/gif"
            | "image/webp"
            | "application/pdf"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            | "text/plain"
    )
}

/// The file's own name without folders, control or reserved characters, at most 120
/// characters ("attachment" if nothing is left).
pub fn sanitise(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_control() || "<>:\"|?*".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let clean: String = clean.chars().take(120).collect();
    if clean.is_empty() {
        "attachment".into()
    } else {
        clean
    }
}

/// The content's type: `infer`'s answer, or plain text for valid UTF-8 without NUL bytes.
pub fn sniff(bytes: &[u8]) -> Option<String> {
    match infer::get(bytes) {
        Some(t) => Some(t.mime_type().to_owned()),
        None if !bytes.is_empty() && !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() => {
            Some("text/plain".into())
        }
        None => None,
    }
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "application/pdf" => "pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        _ => "txt",
    }
}

/// Reads and checks a file the user picked.
pub fn prepare(path: &Path, max_mb: u32) -> Result<Prepared> {
    let field = "paths";
    let shown = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = std::fs::metadata(path)
        .map_err(|e| CoreError::validation(field, format!("{shown}: cannot be read ({e}).")))?;
    if !meta.is_file() {
        return Err(CoreError::validation(
            field,
            format!("{shown}: not a file."),
        ));
    }
    let max = u64::from(max_mb) * 1024 * 1024;
    if meta.len() > max {
        return Err(CoreError::validation(
            field,
            format!(
                "{shown}: the file is {:.1} MB; attachments may be at most {max_mb} MB.",
                meta.len() as f64 / 1_048_576.0
            ),
        ));
    }
    if meta.len() == 0 {
        return Err(CoreError::validation(
            field,
            format!("{shown}: the file is empty."),
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CoreError::validation(field, format!("{shown}: cannot be read ({e}).")))?;
    let mime = sniff(&bytes).filter(|m| allowed(m)).ok_or_else(|| {
        CoreError::validation(
            field,
            format!("{shown}: this kind of file cannot be attached (whatever its name says); attach a picture, a PDF, an Office document or a text file."),
        )
    })?;
    let hash = format!("{:x}", Sha256::digest(&bytes));
    Ok(Prepared {
        name: sanitise(&shown),
        mime,
        bytes,
        hash,
    })
}

/// Stores the file (its bytes once per hash) as an attachment of the message.
pub async fn store(
    conn: &mut AnyConnection,
    ticket_id: i64,
    message_id: i64,
    p: &Prepared,
) -> Result<()> {
    let now = crate::now_ms();
    sqlx::query("INSERT INTO support_blobs (hash, size, bytes, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING")
        .bind(&p.hash)
        .bind(p.bytes.len() as i64)
        .bind(p.bytes.clone())
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO support_attachments (ticket_id, message_id, name, mime, size, hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(ticket_id)
    .bind(message_id)
    .bind(&p.name)
    .bind(&p.mime)
    .bind(p.bytes.len() as i64)
    .bind(&p.hash)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An attachment as the viewer may open it: (ticket's customer, internal, name, mime, bytes).
pub async fn load(store: &Store, id: i64) -> Result<Option<(i64, bool, String, String, Vec<u8>)>> {
    let row: Option<(i64, i64, String, String, Vec<u8>)> = sqlx::query_as(
        "SELECT t.customer_id, m.internal, a.name, a.mime, b.bytes FROM support_attachments a \
         JOIN support_tickets t ON t.id = a.ticket_id JOIN support_messages m ON m.id = a.message_id \
         JOIN support_blobs b ON b.hash = a.hash WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|(c, i, n, m, b)| (c, i == 1, n, m, b)))
}

/// The folder attachments are copied into for the system's viewer: inside this user's own
/// data folder (never a shared `/tmp`, where another account could read or plant files),
/// readable by this user only, emptied at every sign-out and start.
pub fn private_dir(paths: &crate::paths::AppPaths) -> PathBuf {
    paths.data_dir.join("opened-attachments")
}

/// Removes every copy opened for the viewer (sign-out, start). A copy a viewer still holds
/// open on Windows stays until the next time.
pub fn clear_private(paths: &crate::paths::AppPaths) {
    let dir = private_dir(paths);
    if dir.exists()
        && let Err(e) = std::fs::remove_dir_all(&dir)
    {
        tracing::warn!(dir = %dir.display(), "opened attachments not removed: {e}");
    }
}

/// Creates `dir` (and its parents) readable by this user only.
fn private_folder(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        // An existing folder keeps its old mode with `create`: set it.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        // %LOCALAPPDATA% is the user's own: its ACL already keeps other accounts out.
        std::fs::create_dir_all(dir)
    }
}

/// Writes the file where the system's viewer can open it: a folder of its own inside
/// [`private_dir`], named after the file with its content's extension.
pub fn to_temp(
    paths: &crate::paths::AppPaths,
    name: &str,
    mime: &str,
    bytes: &[u8],
) -> Result<PathBuf> {
    let root = private_dir(paths);
    private_folder(&root).map_err(|e| CoreError::Internal(format!("temporary folder: {e}")))?;
    let dir = root.join(format!("{:016x}", fastrand::u64(..)));
    private_folder(&dir).map_err(|e| CoreError::Internal(format!("temporary folder: {e}")))?;
    let stem = Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "attachment".into());
    let path = dir.join(format!("{stem}.{}", extension(mime)));
    std::fs::write(&path, bytes)
        .map_err(|e| CoreError::Internal(format!("temporary file: {e}")))?;
    Ok(path)
}

/// Pictures are shown inside the window; anything else needs the viewer.
pub fn inline(mime: &str) -> bool {
    mime.starts_with("image/")
}

pub fn info(id: i64, name: String, mime: String, size: i64) -> AttachmentInfo {
    AttachmentInfo {
        id,
        name,
        mime,
        size,
    }
}
