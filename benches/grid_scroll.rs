//! Forecast grid benchmark (not a test): a rep's 2,000-row grid (100 customers × 20 parts, 18
//! months, every cell filled) in the real app, in WebKitGTK, driven over WebDriver. Measures,
//! inside the page, how long after a scroll the rows for the new position are in the DOM and
//! laid out, and how long an edit takes until the row's total shows the saved value; and how
//! many rows the DOM holds (the grid is virtualised). Beside the scroll, in the same page: the
//! same DOM change made by hand in JavaScript (the engine's own cost). The limit is one
//! frame at 60 Hz (16.7 ms): within it, a scroll shows no lag. (The display's own frames cannot
//! be the clock here: WebKitGTK under Xvfb repaints, and so fires scroll events and animation
//! frames, only a few times a second; the bench dispatches the scroll event itself.)
//!
//! Needs a display and tauri-driver, like the E2E tests:
//! `xvfb-run -a -s "-screen 0 1280x800x24" keyctl session - cargo bench -p portdesk --bench grid_scroll`
//! (after `cd ui && trunk build --offline`).

#[path = "../tests/e2e/harness.rs"]
mod harness;

use fantoccini::Client;
use harness::*;
use portdesk_core::audit::Actor;
use portdesk_core::paths::AppPaths;
use portdesk_core::secrets::MemorySecrets;
use portdesk_types::forecasts::{Assignment, CellEdit, MatrixEntry, NewCycle, SaveCells};
use std::path::Path;
use std::sync::Arc;

const CUSTOMERS: usize = 100;
const PARTS: usize = 20;
const HORIZON: u32 = 18;
/// Scroll steps measured, each a jump of [`STEP_ROWS`] rows (down, then back up).
const STEPS: usize = 60;
const STEP_ROWS: usize = 33;
/// Edits measured.
const EDITS: usize = 20;

/// The rep (`rita@example.com`) and an open cycle with every cell of her 2,000 rows filled.
async fn prepare(dir: &Path) {
    let core = portdesk_core::Portdesk::start(
        AppPaths::in_folder(dir),
        Arc::new(MemorySecrets::default()),
    )
    .await;
    let store = core.store().await.expect("the store opens");
    let admin = Actor::system("bench");
    let rep = sales_rep(&store, &admin).await;
    for c in 0..CUSTOMERS {
        let code = format!("C{c:05}");
        portdesk_core::forecasts::assign(
            &store,
            &admin,
            &Assignment {
                customer_code: code.clone(),
                customer: format!("Customer {c:03}"),
                rep_id: Some(rep),
            },
        )
        .await
        .unwrap();
        for p in 0..PARTS {
            portdesk_core::forecasts::set_matrix(
                &store,
                &MatrixEntry {
                    customer_code: code.clone(),
                    part: format!("P{p:03}"),
                    description: format!("Part {p}"),
                },
            )
            .await
            .unwrap();
        }
    }
    let cycle = portdesk_core::forecasts::create_cycle(
        &store,
        &admin,
        &NewCycle {
            name: "FY27".into(),
            first_month: "2027-01".into(),
            horizon: HORIZON,
            deadline: 1_799_000_000_000,
        },
    )
    .await
    .unwrap();
    let cycle = portdesk_core::forecasts::open_cycle(&store, &admin, cycle.id)
        .await
        .unwrap();
    let edits: Vec<CellEdit> = (0..CUSTOMERS * PARTS)
        .flat_map(|row| {
            cycle
                .months
                .iter()
                .enumerate()
                .map(move |(m, month)| CellEdit {
                    customer_code: format!("C{:05}", row / PARTS),
                    part: format!("P{:03}", row % PARTS),
                    month: month.clone(),
                    quantity: ((row * 7 + m * 3) % 400) as f64,
                    base_version: 0,
                    key: None,
                })
        })
        .collect();
    portdesk_core::forecasts::save_cells(
        &store,
        &admin,
        rep,
        false,
        &SaveCells {
            cycle_id: cycle.id,
            edits,
        },
    )
    .await
    .unwrap();
    store.pool().close().await;
}

/// Runs `js` (an async script: its last argument is the callback) and returns what it passed.
async fn run(c: &Client, js: &str) -> serde_json::Value {
    c.execute_async(js, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}"))
}

/// Milliseconds of each scroll step until the new position's first row is drawn, and the
/// rows the DOM held; in the page, timed with `performance.now()`.
const SCROLL_JS: &str = r#"
const done = arguments[arguments.length - 1];
// Polled on timers, so the app's own rendering (also on timers) is never starved.
const soon = (f) => setTimeout(f, 0);
setTimeout(() => done({ times, domRows, stuck: i, scrollTop: g.scrollTop }), 25000);
const g = document.querySelector('#fc-grid');
const rowH = g.querySelector('.fc-row').getBoundingClientRect().height;
const steps = STEPS, stepRows = STEP_ROWS;
const times = [], domRows = [];
let i = 0;
function step() {
  if (i === steps) { done({ times, domRows, stuck: i }); return; }
  const down = i < steps / 2;
  const at = down ? (i + 1) * stepRows : (steps - i - 1) * stepRows;
  const t0 = performance.now();
  g.scrollTop = at * rowH;
  // The scroll event at once: WebKitGTK under Xvfb fires it only at its next repaint, a few
  // a second, which would time the test display rather than the grid.
  g.dispatchEvent(new Event('scroll'));
  const want = Math.floor(g.scrollTop / rowH);
  const look = () => {
    const row = g.querySelector(`.fc-row[data-index='${want}'] input`);
    if (row) {
      // Laid out: reading its box makes the engine do style and layout now.
      row.getBoundingClientRect();
      times.push(performance.now() - t0);
      domRows.push(g.querySelectorAll('.fc-row').length);
      i += 1;
      setTimeout(step, 30);
    } else {
      soon(look);
    }
  };
  soon(look);
}
step();
"#;

/// The engine's own cost for the same change of the page, done by hand in JavaScript (the
/// peer): each visible row moved and every one of its inputs given a new value, then laid out.
const PEER_JS: &str = r#"
const done = arguments[arguments.length - 1];
const g = document.querySelector('#fc-grid');
const rowH = g.querySelector('.fc-row').getBoundingClientRect().height;
const times = [];
let i = 0;
function step() {
  if (i === STEPS) { done(times); return; }
  const t0 = performance.now();
  const rows = g.querySelectorAll('.fc-row');
  rows.forEach((r, k) => {
    r.style.top = `${(i * 7 + k) * rowH}px`;
    r.querySelectorAll('input').forEach((x, m) => { x.value = String((i * 31 + k * 7 + m) % 400); });
  });
  rows[rows.length - 1].getBoundingClientRect();
  times.push(performance.now() - t0);
  i += 1;
  setTimeout(step, 30);
}
step();
"#;

/// Milliseconds of each edit: a value typed into a cell of the first visible row and the cell
/// left (saved), until the row's total shows the new sum.
const EDIT_JS: &str = r#"
const done = arguments[arguments.length - 1];
const g = document.querySelector('#fc-grid');
const times = [];
let i = 0, seen = '';
setTimeout(() => done({ times, stuck: i, seen }), 25000);
function edit() {
  if (i === EDITS) { done({ times, stuck: i }); return; }
  const row = g.querySelector('.fc-row');
  const inputs = row.querySelectorAll('input');
  const input = inputs[i % inputs.length];
  const total = row.querySelector('.fc-total');
  const before = Number(total.textContent);
  const old = Number(input.value || 0);
  const now = old + 1;
  const t0 = performance.now();
  input.focus();
  input.value = String(now);
  input.dispatchEvent(new InputEvent('input', { bubbles: true }));
  input.dispatchEvent(new Event('change', { bubbles: true }));
  const look = () => {
    const t = row.isConnected ? total : g.querySelector(".fc-row[data-index='0'] .fc-total");
    seen = `${t && t.textContent} want ${before + 1} input ${input.value} error ${(document.querySelector('#fc-error') || {}).textContent}`;
    if (t && Number(t.textContent) === before + 1) {
      times.push(performance.now() - t0);
      i += 1;
      setTimeout(edit, 50);
    } else {
      setTimeout(look, 1);
    }
  };
  setTimeout(look, 1);
}
edit();
"#;

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.95), v[v.len() - 1])
}

fn numbers(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let data = tempfile::tempdir().unwrap();
    prepare(data.path()).await;
    let (_driver, port) = Driver::start(data.path());
    let c = connect(port, data.path()).await;
    let main = c.window().await.unwrap();
    wait_for(&c, "#login-form").await;
    type_into(&c, "#login-email", "rita@example.com").await;
    type_into(&c, "#login-password", PASSWORD).await;
    click(&c, "#login-submit").await;
    wait_for(&c, "#home-title").await;
    open_module(&c, &main, "forecasts").await.unwrap();
    wait_for(&c, "#fc-grid .fc-row[data-index='0'] input").await;

    let scroll_js = SCROLL_JS
        .replace("STEPS", &STEPS.to_string())
        .replace("STEP_ROWS", &STEP_ROWS.to_string());
    let scroll = run(&c, &scroll_js).await;
    assert_eq!(
        scroll["stuck"].as_u64(),
        Some(STEPS as u64),
        "a scroll step never drew its rows: {scroll}"
    );
    let scroll_ms = numbers(&scroll["times"]);
    let dom_rows = numbers(&scroll["domRows"]);
    const FRAME_MS: f64 = 1000.0 / 60.0;
    let over_a_frame = scroll_ms.iter().filter(|t| **t > FRAME_MS).count();
    let scroll = stats(scroll_ms);
    let peer = stats(numbers(
        &run(&c, &PEER_JS.replace("STEPS", &STEPS.to_string())).await,
    ));
    // The grid draws itself again from its state (the peer moved its rows by hand).
    run(
        &c,
        "const done = arguments[arguments.length - 1]; const g = document.querySelector('#fc-grid'); \
         g.scrollTop = 1; g.dispatchEvent(new Event('scroll')); g.scrollTop = 0; \
         g.dispatchEvent(new Event('scroll')); setTimeout(() => done(0), 300);",
    )
    .await;
    let edit = run(&c, &EDIT_JS.replace("EDITS", &EDITS.to_string())).await;
    assert_eq!(
        edit["stuck"].as_u64(),
        Some(EDITS as u64),
        "an edit never showed: {edit}"
    );
    let edits = stats(numbers(&edit["times"]));
    let _ = c.close().await;

    println!(
        "forecast grid benchmark: {} rows × {HORIZON} months, every cell filled, in the real app (WebKitGTK under Xvfb)",
        CUSTOMERS * PARTS
    );
    println!(
        "  scroll by {STEP_ROWS} rows until the new rows are laid out ({STEPS} steps), p50 / p95 / max: {:.1} / {:.1} / {:.1} ms; {over_a_frame} step(s) over one frame at 60 Hz ({FRAME_MS:.1} ms, the limit)",
        scroll.0, scroll.1, scroll.2
    );
    println!(
        "  the same change of the page made by hand in JavaScript (the engine's own cost, the peer), p50 / p95 / max: {:.1} / {:.1} / {:.1} ms; Portdesk : peer = {:.1} : 1 at p50",
        peer.0,
        peer.1,
        peer.2,
        scroll.0 / peer.0.max(0.1)
    );
    println!(
        "  rows in the DOM while scrolling: {:.0} to {:.0} (of {})",
        dom_rows.iter().copied().fold(f64::MAX, f64::min),
        dom_rows.iter().copied().fold(0.0, f64::max),
        CUSTOMERS * PARTS
    );
    println!(
        "  an edit, typed and left, until the row's total shows it (saved through the journal and the store; {EDITS} edits), p50 / p95 / max: {:.1} / {:.1} / {:.1} ms",
        edits.0, edits.1, edits.2
    );
}
