//! The knowledge base: articles in Markdown, rendered and sanitised; ranked search.

use crate::error::{CoreError, Result};
use crate::store::{Backend, Store};
use portdesk_types::support::*;
use sqlx::Row;

/// Where an article is read: a kiosk shows links as plain text, since its full-screen
/// window must never lead a lobby visitor onto the web or into another program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Desktop,
    Kiosk,
}

/// Markdown to HTML a window may show: pulldown-cmark renders, ammonia keeps only safe tags
/// and attributes (no script, no event handlers). Links keep only http(s) and mailto
/// addresses (ammonia's default list also has tel, ssh, ftp, …), open in the system browser
/// after the window asks (the shell refuses any navigation away from the app); at a kiosk
/// they are plain text.
pub fn render(markdown: &str, reader: Reader) -> String {
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    let mut cleaner = ammonia::Builder::default();
    cleaner
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        // A relative link would resolve inside the app: it has no place in an article.
        .url_relative(ammonia::UrlRelative::Deny);
    if reader == Reader::Kiosk {
        cleaner.rm_tags(["a"]);
    }
    cleaner.clean(&html).to_string()
}

fn status(s: &str) -> ArticleStatus {
    if s == "published" {
        ArticleStatus::Published
    } else {
        ArticleStatus::Draft
    }
}

fn status_str(s: ArticleStatus) -> &'static str {
    match s {
        ArticleStatus::Published => "published",
        ArticleStatus::Draft => "draft",
    }
}

fn snippet(body: &str) -> String {
    let text: String = body
        .chars()
        .map(|c| {
            if "#*_`>[]()|".contains(c) || c.is_whitespace() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: String = text.chars().take(160).collect();
    if text.chars().count() > 160 {
        s.push('…');
    }
    s
}

pub async fn search(store: &Store, q: &KbQuery, staff: bool) -> Result<Vec<ArticleHit>> {
    let drafts = i64::from(staff && q.include_drafts);
    let words = crate::search::words(&q.search);
    let rows = if words.is_empty() {
        sqlx::query(
            "SELECT id, title, category, status, body FROM support_articles WHERE ($1 = 1 OR status = 'published') \
             ORDER BY category, title LIMIT 200",
        )
        .bind(drafts)
        .fetch_all(store.pool())
        .await?
    } else {
        match store.backend() {
            // Every word as a prefix; a title match weighs five times a body match.
            Backend::Sqlite => sqlx::query(
                "SELECT a.id, a.title, a.category, a.status, a.body FROM support_kb_search s \
                 JOIN support_articles a ON a.id = s.rowid WHERE support_kb_search MATCH $1 \
                 AND ($2 = 1 OR a.status = 'published') ORDER BY bm25(support_kb_search, 5.0, 1.0), a.id LIMIT 50",
            )
            .bind(crate::search::fts5(&words))
            .bind(drafts)
            .fetch_all(store.pool())
            .await?,
            Backend::Postgres => sqlx::query(
                "SELECT id, title, category, status, body FROM support_articles \
                 WHERE search @@ to_tsquery('simple', $1) AND ($2 = 1 OR status = 'published') \
                 ORDER BY ts_rank(search, to_tsquery('simple', $1)) DESC, id LIMIT 50",
            )
            .bind(crate::search::tsquery(&words))
            .bind(drafts)
            .fetch_all(store.pool())
            .await?,
        }
    };
    rows.iter()
        .map(|r| {
            Ok(ArticleHit {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                category: r.try_get("category")?,
                status: status(&r.try_get::<String, _>("status")?),
                snippet: snippet(&r.try_get::<String, _>("body")?),
            })
        })
        .collect()
}

pub async fn get(store: &Store, id: i64, staff: bool, reader: Reader) -> Result<Article> {
    let r = sqlx::query(
        "SELECT id, title, category, status, body, updated_at, version FROM support_articles WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    let Some(r) = r else {
        return Err(CoreError::NotFound(format!("There is no article {id}.")));
    };
    let st = status(&r.try_get::<String, _>("status")?);
    if st == ArticleStatus::Draft && !staff {
        return Err(CoreError::NotFound(format!("There is no article {id}.")));
    }
    let body: String = r.try_get("body")?;
    Ok(Article {
        id,
        title: r.try_get("title")?,
        category: r.try_get("category")?,
        status: st,
        html: render(&body, reader),
        body,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

pub async fn save(
    store: &Store,
    author: &crate::accounts::User,
    e: &ArticleEdit,
) -> Result<Article> {
    let title = super::text("title", &e.title, 200)?;
    let body = super::text("body", &e.body, 100_000)?;
    let category = e.category.trim();
    if category.chars().count() > 60 {
        return Err(CoreError::validation("category", "At most 60 characters."));
    }
    let now = crate::now_ms();
    let mut tx = store.pool().begin().await?;
    let id: i64 = match e.id {
        Some(id) => {
            let written: Option<i64> = sqlx::query_scalar(
                "UPDATE support_articles SET title = $1, category = $2, status = $3, body = $4, author_name = $5, \
                 updated_at = $6, version = version + 1 WHERE id = $7 AND ($8 < 0 OR version = $8) RETURNING id",
            )
            .bind(&title)
            .bind(category)
            .bind(status_str(e.status))
            .bind(&body)
            .bind(&author.name)
            .bind(now)
            .bind(id)
            .bind(e.version.unwrap_or(-1))
            .fetch_optional(&mut *tx)
            .await?;
            match written {
                Some(id) => id,
                None => {
                    type Stored = (String, String, String, String, String, i64, i64);
                    let stored: Option<Stored> = sqlx::query_as(
                        "SELECT title, category, status, body, author_name, version, updated_at \
                         FROM support_articles WHERE id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                    let Some((t, c, st, b, by, version, at_ms)) = stored else {
                        return Err(CoreError::NotFound(format!("There is no article {id}.")));
                    };
                    let changed: Vec<crate::stale::Changed> = [
                        crate::stale::Changed::field("title", &t, &title),
                        crate::stale::Changed::field("category", &c, category),
                        crate::stale::Changed::field("status", &st, status_str(e.status)),
                        (b != body).then(|| crate::stale::Changed {
                            label: "text",
                            now: "different".into(),
                            yours: "yours".into(),
                        }),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    let _ = tx.rollback().await;
                    return Err(crate::stale::refused(
                        &format!("The article \"{t}\""),
                        e.version.unwrap_or_default(),
                        &crate::stale::LastChange {
                            version,
                            by: Some(by),
                            at_ms,
                        },
                        &changed,
                    ));
                }
            }
        }
        None => sqlx::query_scalar(
            "INSERT INTO support_articles (title, category, status, body, author_name, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(&title)
        .bind(category)
        .bind(status_str(e.status))
        .bind(&body)
        .bind(&author.name)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?,
    };
    if store.backend() == Backend::Sqlite {
        sqlx::query("DELETE FROM support_kb_search WHERE rowid = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO support_kb_search (rowid, title, body) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(&title)
            .bind(&body)
            .execute(&mut *tx)
            .await?;
    }
    crate::audit::record(
        &mut tx,
        &author.actor(),
        "support.kb.save",
        Some(("article", id.to_string())),
        Some(&title),
    )
    .await?;
    tx.commit().await?;
    get(store, id, true, Reader::Desktop).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "[Our site](https://example.com/help), [mail us](mailto:help@example.com), \
        [call](tel:+4712345678), [shell](ssh://evil.example), [inside](../settings), \
        <a href=\"javascript:alert(1)\">x</a>";

    /// A desktop keeps http(s) and mailto links only; nothing else is a link.
    #[test]
    fn links_are_limited_to_the_web_and_mail() {
        let html = render(ARTICLE, Reader::Desktop);
        assert!(html.contains("href=\"https://example.com/help\""), "{html}");
        assert!(html.contains("href=\"mailto:help@example.com\""), "{html}");
        for gone in ["tel:", "ssh:", "../settings", "javascript:"] {
            assert!(!html.contains(gone), "{gone} kept: {html}");
        }
        assert!(
            html.contains("call") && html.contains("shell"),
            "the words stay: {html}"
        );
    }

    /// A kiosk shows every link as plain text.
    #[test]
    fn a_kiosk_gets_no_link_at_all() {
        let html = render(ARTICLE, Reader::Kiosk);
        assert!(!html.contains("<a"), "{html}");
        assert!(!html.contains("href"), "{html}");
        assert!(
            html.contains("Our site") && html.contains("mail us"),
            "{html}"
        );
    }
}
