//! Listings and their variants, search, pictures.

use crate::audit::{self, Actor};
use crate::error::{CoreError, Result};
use crate::procurement::catalogue::{ProductFacts, product_facts};
use crate::store::{Backend, Store};
use portdesk_types::shop::*;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// Largest picture file taken, and the side a stored picture is sized down to.
pub const MAX_PICTURE_BYTES: u64 = 10 * 1024 * 1024;
pub const PICTURE_SIDE: u32 = 800;
/// Most variants one listing has.
pub const MAX_VARIANTS: usize = 50;

/// Listing ids matching the query, best first.
async fn matching_ids(store: &Store, q: &CatalogueQuery) -> Result<Vec<i64>> {
    let words = crate::search::words(&q.search);
    let category = q.category.trim().to_owned();
    let all = i64::from(q.include_inactive);
    let rows: Vec<(i64,)> = if words.is_empty() {
        sqlx::query_as(
            "SELECT id FROM shop_listings WHERE ($1 = '' OR category = $1) AND ($2 = 1 OR active = 1) \
             ORDER BY category, lower(name), id",
        )
        .bind(category)
        .bind(all)
        .fetch_all(store.pool())
        .await?
    } else {
        match store.backend() {
            // Every word as a prefix; a name match weighs ten times a description match.
            Backend::Sqlite => {
                let matcher = crate::search::fts5(&words);
                sqlx::query_as(
                    "SELECT l.id FROM shop_search s JOIN shop_listings l ON l.id = s.rowid \
                     WHERE shop_search MATCH $1 AND ($2 = '' OR l.category = $2) AND ($3 = 1 OR l.active = 1) \
                     ORDER BY bm25(shop_search, 10.0, 1.0), lower(l.name), l.id",
                )
                .bind(matcher)
                .bind(category)
                .bind(all)
                .fetch_all(store.pool())
                .await?
            }
            Backend::Postgres => {
                let matcher = crate::search::tsquery(&words);
                sqlx::query_as(
                    "SELECT id FROM shop_listings \
                     WHERE search @@ to_tsquery('simple', $1) AND ($2 = '' OR category = $2) AND ($3 = 1 OR active = 1) \
                     ORDER BY ts_rank(search, to_tsquery('simple', $1)) DESC, lower(name), id",
                )
                .bind(matcher)
                .bind(category)
                .bind(all)
                .fetch_all(store.pool())
                .await?
            }
        }
    };
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

pub async fn search(store: &Store, q: &CatalogueQuery) -> Result<CataloguePage> {
    let ids = matching_ids(store, q).await?;
    let mut conn = store.pool().acquire().await?;
    let mut listings = load(&mut conn, &ids).await?;
    if !q.include_inactive {
        // A listing with nothing left to sell is not shown to customers.
        listings.retain(|l| !l.variants.is_empty());
    }
    let total = listings.len() as u64;
    let limit = match q.limit {
        0 => 60,
        n => n.min(500),
    } as usize;
    let rows = listings
        .into_iter()
        .skip(q.offset as usize)
        .take(limit)
        .collect();
    let categories: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT category FROM shop_listings WHERE active = 1 AND category <> '' ORDER BY category",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(CataloguePage {
        total,
        rows,
        categories: categories.into_iter().map(|(c,)| c).collect(),
    })
}

/// One listing; a customer sees only an active one.
pub async fn listing(store: &Store, id: i64, staff: bool) -> Result<Listing> {
    let mut conn = store.pool().acquire().await?;
    load(&mut conn, &[id])
        .await?
        .into_iter()
        .find(|l| staff || l.active)
        .ok_or_else(|| CoreError::NotFound(format!("There is no listing {id}.")))
}

fn variant_label(size: &str, colour: &str, weight: &str, flavour: &str, name: &str) -> String {
    let parts: Vec<&str> = [size, colour, weight, flavour]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        name.to_owned()
    } else {
        parts.join(" · ")
    }
}

/// Listings by id, in the order given, each with its variants still sold.
pub(crate) async fn load(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Listing>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(300) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let marks = marks.join(", ");
        let sql = format!(
            "SELECT l.id, l.name, l.description, l.category, l.active, l.version, \
             (SELECT COUNT(*) FROM shop_pictures p WHERE p.listing_id = l.id) AS pictures \
             FROM shop_listings l WHERE l.id IN ({marks})"
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        let mut by_id: HashMap<i64, Listing> = HashMap::new();
        for r in q.fetch_all(&mut *conn).await? {
            let id: i64 = r.try_get("id")?;
            by_id.insert(
                id,
                Listing {
                    id,
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                    category: r.try_get("category")?,
                    active: r.try_get::<i64, _>("active")? == 1,
                    has_picture: r.try_get::<i64, _>("pictures")? > 0,
                    variants: Vec::new(),
                    version: r.try_get("version")?,
                },
            );
        }
        let sql = format!(
            "SELECT listing_id, product_id, size, colour, weight, flavour FROM shop_variants \
             WHERE listing_id IN ({marks}) ORDER BY listing_id, position"
        );
        let mut q = sqlx::query_as::<_, (i64, i64, String, String, String, String)>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        let variants = q.fetch_all(&mut *conn).await?;
        let products: Vec<i64> = variants.iter().map(|v| v.1).collect();
        let facts = product_facts(conn, &products).await?;
        for (listing_id, product_id, size, colour, weight, flavour) in variants {
            let (Some(l), Some(f)) = (by_id.get_mut(&listing_id), facts.get(&product_id)) else {
                continue;
            };
            if !f.active {
                continue;
            }
            l.variants.push(Variant {
                product_id,
                sku: f.sku.clone(),
                label: variant_label(&size, &colour, &weight, &flavour, &f.name),
                size,
                colour,
                weight,
                flavour,
                unit_price: f.unit_price,
                stock: f.stock,
            });
        }
        out.extend(chunk.iter().filter_map(|id| by_id.remove(id)));
    }
    Ok(out)
}

/// The listing and variant label a product is sold under, for the cart.
pub(crate) async fn variant_of(
    conn: &mut AnyConnection,
    product_ids: &[i64],
) -> Result<HashMap<i64, (i64, bool, String)>> {
    let mut out = HashMap::new();
    for chunk in product_ids.chunks(300) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT v.product_id, v.listing_id, l.active, l.name, v.size, v.colour, v.weight, v.flavour \
             FROM shop_variants v JOIN shop_listings l ON l.id = v.listing_id WHERE v.product_id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let label = variant_label(
                &r.try_get::<String, _>("size")?,
                &r.try_get::<String, _>("colour")?,
                &r.try_get::<String, _>("weight")?,
                &r.try_get::<String, _>("flavour")?,
                "",
            );
            out.insert(
                r.try_get("product_id")?,
                (
                    r.try_get("listing_id")?,
                    r.try_get::<i64, _>("active")? == 1,
                    if label.is_empty() {
                        r.try_get("name")?
                    } else {
                        label
                    },
                ),
            );
        }
    }
    Ok(out)
}

pub async fn save_listing(store: &Store, actor: &Actor, e: &ListingEdit) -> Result<Listing> {
    let name = super::text("name", &e.name, true, 120)?;
    let description = super::text("description", &e.description, false, 5000)?;
    let category = super::text("category", &e.category, false, 60)?;
    if e.variants.is_empty() {
        return Err(CoreError::validation(
            "variants",
            "Add at least one variant (a product of the catalogue).",
        ));
    }
    if e.variants.len() > MAX_VARIANTS {
        return Err(CoreError::validation(
            "variants",
            format!("A listing has at most {MAX_VARIANTS} variants."),
        ));
    }
    let mut variants = Vec::with_capacity(e.variants.len());
    for v in &e.variants {
        if variants
            .iter()
            .any(|(p, ..): &(i64, _, _, _, _)| *p == v.product_id)
        {
            return Err(CoreError::validation(
                "variants",
                format!("Product {} is listed twice.", v.product_id),
            ));
        }
        variants.push((
            v.product_id,
            super::text("size", &v.size, false, 40)?,
            super::text("colour", &v.colour, false, 40)?,
            super::text("weight", &v.weight, false, 40)?,
            super::text("flavour", &v.flavour, false, 40)?,
        ));
    }
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    // The write first (see the order path), then the checks that need the store.
    let id: i64 = match e.id {
        Some(id) => {
            let written: Option<i64> = sqlx::query_scalar(
                "UPDATE shop_listings SET name = $1, description = $2, category = $3, active = $4, updated_at = $5, \
                 version = version + 1, updated_by = $7 WHERE id = $6 AND ($8 < 0 OR version = $8) RETURNING id",
            )
            .bind(&name)
            .bind(&description)
            .bind(&category)
            .bind(i64::from(e.active))
            .bind(now)
            .bind(id)
            .bind(&actor.label)
            .bind(e.version.unwrap_or(-1))
            .fetch_optional(&mut *tx)
            .await?;
            match written {
                Some(id) => id,
                None => {
                    type Stored = (String, String, String, i64, i64, Option<String>, i64);
                    let stored: Option<Stored> = sqlx::query_as(
                        "SELECT name, description, category, active, version, updated_by, updated_at \
                         FROM shop_listings WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some((n, d, c, active, version, by, at_ms)) = stored else {
                        return Err(CoreError::NotFound(format!("There is no listing {id}.")));
                    };
                    let yn = |b: bool| if b { "yes" } else { "no" };
                    let changed: Vec<crate::stale::Changed> = [
                        crate::stale::Changed::field("name", &n, &name),
                        crate::stale::Changed::field("description", &d, &description),
                        crate::stale::Changed::field("category", &c, &category),
                        crate::stale::Changed::field("active", yn(active == 1), yn(e.active)),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    let _ = tx.rollback().await;
                    return Err(crate::stale::refused(
                        &format!("The listing {n}"),
                        e.version.unwrap_or_default(),
                        &crate::stale::LastChange { version, by, at_ms },
                        &changed,
                    ));
                }
            }
        }
        None => sqlx::query_scalar(
            "INSERT INTO shop_listings (name, description, category, active, created_at, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING id",
        )
        .bind(&name)
        .bind(&description)
        .bind(&category)
        .bind(i64::from(e.active))
        .bind(now)
        .bind(&actor.label)
        .fetch_one(&mut *tx)
        .await?,
    };
    let ids: Vec<i64> = variants.iter().map(|v| v.0).collect();
    let facts: HashMap<i64, ProductFacts> = product_facts(&mut tx, &ids).await?;
    sqlx::query("DELETE FROM shop_variants WHERE listing_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (i, (product_id, size, colour, weight, flavour)) in variants.iter().enumerate() {
        if !facts.contains_key(product_id) {
            return Err(CoreError::validation(
                "variants",
                format!("There is no product {product_id} in the catalogue."),
            ));
        }
        let taken: Option<(i64, String)> = sqlx::query_as(
            "SELECT l.id, l.name FROM shop_variants v JOIN shop_listings l ON l.id = v.listing_id \
             WHERE v.product_id = $1",
        )
        .bind(product_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((_, other)) = taken {
            return Err(CoreError::validation(
                "variants",
                format!(
                    "{} is already a variant of \"{other}\".",
                    facts[product_id].sku
                ),
            ));
        }
        sqlx::query(
            "INSERT INTO shop_variants (product_id, listing_id, position, size, colour, weight, flavour) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(product_id)
        .bind(id)
        .bind(i as i64)
        .bind(size)
        .bind(colour)
        .bind(weight)
        .bind(flavour)
        .execute(&mut *tx)
        .await?;
    }
    if store.backend() == Backend::Sqlite {
        sqlx::query("DELETE FROM shop_search WHERE rowid = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO shop_search (rowid, name, description) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(&name)
            .bind(&description)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        if e.id.is_some() {
            "shop.listing.update"
        } else {
            "shop.listing.create"
        },
        Some(("listing", id.to_string())),
        Some(&format!("{name}: {} variant(s)", variants.len())),
    )
    .await?;
    tx.commit().await?;
    listing(store, id, true).await
}

/// A picture file checked by its content (PNG, JPEG, GIF, WebP), decoded within limits (a
/// small file that claims a huge image is refused before memory is spent on it), sized down
/// and stored as JPEG (PNG when it has transparency).
pub fn prepare_picture(path: &std::path::Path) -> Result<(String, u32, u32, Vec<u8>)> {
    use image::{ImageFormat, ImageReader, Limits};
    let field = "path";
    let meta = std::fs::metadata(path).map_err(|e| {
        CoreError::validation(field, format!("{} cannot be read: {e}", path.display()))
    })?;
    if !meta.is_file() {
        return Err(CoreError::validation(field, "Choose a picture file."));
    }
    if meta.len() > MAX_PICTURE_BYTES {
        return Err(CoreError::validation(
            field,
            format!(
                "The file is {:.1} MB; a picture may be at most {} MB.",
                meta.len() as f64 / 1_048_576.0,
                MAX_PICTURE_BYTES / 1_048_576
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        CoreError::validation(field, format!("{} cannot be read: {e}", path.display()))
    })?;
    let format = image::guess_format(&bytes).ok().filter(|f| {
        matches!(
            f,
            ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP
        )
    });
    let Some(format) = format else {
        return Err(CoreError::validation(
            field,
            "This file is not a picture (PNG, JPEG, GIF or WebP), whatever its name says.",
        ));
    };
    let mut reader = ImageReader::with_format(std::io::Cursor::new(&bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| {
        CoreError::validation(
            field,
            format!("The picture cannot be read ({e}); save it again as PNG or JPEG."),
        )
    })?;
    let img = if img.width() > PICTURE_SIDE || img.height() > PICTURE_SIDE {
        img.thumbnail(PICTURE_SIDE, PICTURE_SIDE)
    } else {
        img
    };
    let mut out = std::io::Cursor::new(Vec::new());
    let mime = if img.color().has_alpha() {
        img.write_to(&mut out, ImageFormat::Png)
            .map_err(|e| CoreError::Internal(format!("picture not encoded: {e}")))?;
        "image/png"
    } else {
        img.to_rgb8()
            .write_to(&mut out, ImageFormat::Jpeg)
            .map_err(|e| CoreError::Internal(format!("picture not encoded: {e}")))?;
        "image/jpeg"
    };
    Ok((mime.to_owned(), img.width(), img.height(), out.into_inner()))
}

pub async fn set_picture(store: &Store, actor: &Actor, req: &SetPicture) -> Result<Listing> {
    let path = std::path::PathBuf::from(req.path.trim());
    let (mime, w, h, bytes) = tokio::task::spawn_blocking(move || prepare_picture(&path))
        .await
        .map_err(|e| CoreError::Internal(format!("picture task: {e}")))??;
    let mut tx = store.pool().begin().await?;
    let now = crate::now_ms();
    let exists: Option<(i64,)> =
        sqlx::query_as("UPDATE shop_listings SET updated_at = $1 WHERE id = $2 RETURNING id")
            .bind(now)
            .bind(req.listing_id)
            .fetch_optional(&mut *tx)
            .await?;
    if exists.is_none() {
        return Err(CoreError::NotFound(format!(
            "There is no listing {}.",
            req.listing_id
        )));
    }
    sqlx::query("DELETE FROM shop_pictures WHERE listing_id = $1")
        .bind(req.listing_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO shop_pictures (listing_id, mime, width, height, bytes, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(req.listing_id)
    .bind(&mime)
    .bind(i64::from(w))
    .bind(i64::from(h))
    .bind(bytes.clone())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        "shop.listing.picture",
        Some(("listing", req.listing_id.to_string())),
        Some(&format!("{mime} {w}×{h}, {} bytes", bytes.len())),
    )
    .await?;
    tx.commit().await?;
    listing(store, req.listing_id, true).await
}

pub async fn picture(store: &Store, listing_id: i64, staff: bool) -> Result<Option<Picture>> {
    use base64::Engine;
    // A customer sees the picture of an active listing only.
    listing(store, listing_id, staff).await?;
    let row: Option<(String, i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT mime, width, height, bytes FROM shop_pictures WHERE listing_id = $1",
    )
    .bind(listing_id)
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|(mime, w, h, bytes)| Picture {
        mime,
        data: base64::engine::general_purpose::STANDARD.encode(bytes),
        width: w as u32,
        height: h as u32,
    }))
}
