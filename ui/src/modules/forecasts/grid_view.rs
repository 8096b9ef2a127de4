//! The rep's forecast grid: cells saved as they are left, paste, fill, undo, totals, the chart.

use super::*;

#[derive(Properties, PartialEq)]
pub(super) struct GridProps {
    pub(super) cycle_id: i64,
    pub(super) rep_id: Option<i64>,
    pub(super) reload: u32,
}

/// A cell being typed: (row, month index) → text.
type Drafts = std::collections::HashMap<(usize, usize), String>;

#[function_component(ForecastGrid)]
pub(super) fn forecast_grid(p: &GridProps) -> Html {
    let grid = use_state(|| None::<Result<Rc<Grid>, ApiError>>);
    let drafts = use_state(Drafts::new);
    let error = use_state(|| None::<ApiError>);
    let first = use_state(|| 0u32);
    let selected = use_state(|| 0u32);
    let whole_chart = use_state(|| true);
    let tick = use_state(|| 0u32);
    // Newest last; a new cycle or rep starts afresh.
    let history = use_state(|| Rc::new(Vec::<UndoStep>::new()));
    let undone = use_state(|| None::<String>);
    {
        let (history, undone) = (history.clone(), undone.clone());
        use_effect_with((p.cycle_id, p.rep_id), move |_| {
            history.set(Rc::new(Vec::new()));
            undone.set(None);
        });
    }
    // The cell to focus after the next render (row, month): arrow keys move between cells.
    let focus_at = use_state(|| None::<(u32, String)>);
    {
        use_effect_with((*focus_at).clone(), move |want| {
            if let Some((row, month)) = want {
                let css =
                    format!("#fc-grid .fc-row[data-index='{row}'] input[data-month='{month}']");
                if let Some(input) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.query_selector(&css).ok().flatten())
                    .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok())
                {
                    let _ = input.focus();
                    input.select();
                }
            }
        });
    }
    // Reads overlap when edits come quickly: only the newest read is shown, so an older one
    // answering late never puts back values from before the last save.
    let reads = use_mut_ref(|| 0u64);
    {
        let (grid, reads) = (grid.clone(), reads.clone());
        let req = GridRequest {
            cycle_id: p.cycle_id,
            rep_id: p.rep_id,
        };
        use_effect_with((req.clone(), p.reload, *tick), move |_| {
            *reads.borrow_mut() += 1;
            let mine = *reads.borrow();
            spawn_local(async move {
                let read = call::<GetGrid>(&req).await.map(Rc::new);
                if *reads.borrow() == mine {
                    grid.set(Some(read));
                }
            });
        });
    }
    // While edits wait in the journal, look again every 10 s: they go when the store answers.
    {
        let tick = tick.clone();
        let waiting =
            matches!(&*grid, Some(Ok(g)) if g.sync.pending > 0 || g.sync.offline_as_of.is_some());
        use_effect_with((waiting, *tick), move |(waiting, _)| {
            let timer = waiting
                .then(|| gloo_timers::callback::Timeout::new(10_000, move || tick.set(*tick + 1)));
            move || drop(timer)
        });
    }
    let g = match &*grid {
        Some(Ok(g)) => g.clone(),
        Some(Err(e)) => {
            return html! { <p class="error" id="fc-grid-error">{ e.message.clone() }</p> };
        }
        None => return html! { <p class="muted">{ "Loading…" }</p> },
    };
    // Saves edits (into the journal, then the store); the grid is re-read with the outcome.
    // What was applied becomes a step of the undo history (`what` names it).
    let save = {
        let (error, tick, drafts) = (error.clone(), tick.clone(), drafts.clone());
        let (history, undone, g) = (history.clone(), undone.clone(), g.clone());
        let shown = grid.clone();
        let cycle_id = p.cycle_id;
        Rc::new(move |what: &'static str, edits: Vec<CellEdit>| {
            let (error, tick, drafts) = (error.clone(), tick.clone(), drafts.clone());
            let (history, undone, shown, g) =
                (history.clone(), undone.clone(), shown.clone(), g.clone());
            let mut changes = changes_of(&g, &edits);
            spawn_local(async move {
                match call::<SaveForecastCells>(&SaveCells { cycle_id, edits }).await {
                    Ok(reply) => {
                        error.set(None);
                        drafts.set(Drafts::new());
                        // A conflict was not applied: nothing of it to undo.
                        changes.retain(|c| {
                            !reply.conflicts.iter().any(|x| {
                                x.customer_code == c.customer_code
                                    && x.part == c.part
                                    && x.month == c.month
                            })
                        });
                        if !changes.is_empty() {
                            // Shown at once; the grid read again below brings the store's word.
                            let applied = reply.applied as usize >= changes.len();
                            shown.set(Some(Ok(Rc::new(patched(&g, &changes, applied)))));
                            let mut h = (**history).clone();
                            h.push(UndoStep { what, changes });
                            history.set(Rc::new(h));
                            undone.set(None);
                        }
                    }
                    Err(e) => error.set(Some(e)),
                }
                tick.set(*tick + 1);
            });
        })
    };
    // Takes the newest step back (saved like any edit, on the versions shown now).
    let undo = {
        let (error, tick, history, undone, g) = (
            error.clone(),
            tick.clone(),
            history.clone(),
            undone.clone(),
            g.clone(),
        );
        let cycle_id = p.cycle_id;
        Rc::new(move || {
            let Some(step) = history.last().cloned() else {
                return;
            };
            let (edits, moved_on) = undo_edits(&g, &step);
            let mut h = (**history).clone();
            h.pop();
            history.set(Rc::new(h));
            let (error, tick, undone) = (error.clone(), tick.clone(), undone.clone());
            spawn_local(async move {
                let n = edits.len();
                let r = if edits.is_empty() {
                    Ok(())
                } else {
                    call::<SaveForecastCells>(&SaveCells { cycle_id, edits })
                        .await
                        .map(|_| ())
                };
                match r {
                    Ok(()) => {
                        error.set(None);
                        let mut said = format!("Undone: {} ({n} cell(s) put back).", step.what);
                        if moved_on > 0 {
                            said.push_str(&format!(
                                " {moved_on} cell(s) changed again since were left as they are."
                            ));
                        }
                        undone.set(Some(said));
                    }
                    Err(e) => error.set(Some(e)),
                }
                tick.set(*tick + 1);
            });
        })
    };
    let editable = g.cycle.status == CycleStatus::Open && g.status == SubmissionStatus::Draft;
    let months = g.cycle.months.clone();
    let row = {
        let (g, drafts, save, focus_at) =
            (g.clone(), drafts.clone(), save.clone(), focus_at.clone());
        Callback::from(move |i: u32| {
            let r = g.rows.get(i as usize)?;
            let cells = r.cells.iter().enumerate().map(|(m, c)| {
                // Up and down go to the same month of the next row (the grid moves the
                // selection and scrolls); left and right at the text's edge to the next month.
                let onkeydown = {
                    let focus_at = focus_at.clone();
                    let last = g.rows.len().saturating_sub(1) as u32;
                    let months: Vec<String> = r.cells.iter().map(|c| c.month.clone()).collect();
                    Callback::from(move |e: KeyboardEvent| {
                        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                        let caret = input.selection_start().ok().flatten();
                        let at_end = caret == Some(input.value().chars().count() as u32);
                        let go = match e.key().as_str() {
                            "ArrowDown" => Some(((i + 1).min(last), m)),
                            "ArrowUp" => Some((i.saturating_sub(1), m)),
                            "ArrowRight" if at_end && m + 1 < months.len() => Some((i, m + 1)),
                            "ArrowLeft" if caret == Some(0) && m > 0 => Some((i, m - 1)),
                            _ => None,
                        };
                        if let Some((row, month)) = go {
                            if row == i {
                                e.prevent_default();
                                e.stop_propagation();
                            }
                            focus_at.set(Some((row, months[month].clone())));
                        }
                    })
                };
                let shown = drafts
                    .get(&(i as usize, m))
                    .cloned()
                    .unwrap_or_else(|| c.quantity.map(|q| q.to_string()).unwrap_or_default());
                let oninput = {
                    let drafts = drafts.clone();
                    Callback::from(move |e: InputEvent| {
                        let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                        let mut d = (*drafts).clone();
                        d.insert((i as usize, m), v);
                        drafts.set(d);
                    })
                };
                // Leaving a changed cell saves it against the version it showed.
                let onchange = {
                    let (save, r, c) = (save.clone(), r.clone(), c.clone());
                    Callback::from(move |e: Event| {
                        let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                        let q = if v.trim().is_empty() { 0.0 } else { v.trim().parse::<f64>().unwrap_or(f64::NAN) };
                        save("the edit", vec![CellEdit {
                            customer_code: r.customer_code.clone(),
                            part: r.part.clone(),
                            month: c.month.clone(),
                            quantity: q,
                            base_version: c.version,
                            key: None,
                        }]);
                    })
                };
                // A range copied from Excel (rows by line, cells by tab) fills from this cell.
                let onpaste = {
                    let (save, g) = (save.clone(), g.clone());
                    Callback::from(move |e: Event| {
                        let Ok(e) = e.dyn_into::<web_sys::ClipboardEvent>() else { return };
                        let Some(text) = e.clipboard_data().and_then(|d| d.get_data("text").ok()) else { return };
                        if !text.contains('\t') && !text.trim_end().contains('\n') {
                            return; // One value: the input takes it as typed.
                        }
                        e.prevent_default();
                        let mut edits = Vec::new();
                        for (dr, line) in text.trim_end_matches(['\r', '\n']).split('\n').enumerate() {
                            for (dc, v) in line.trim_end_matches('\r').split('\t').enumerate() {
                                let (Some(row), Some(cell)) = (g.rows.get(i as usize + dr), g.rows.get(i as usize + dr).and_then(|r| r.cells.get(m + dc))) else {
                                    continue; // Beyond the grid: left out.
                                };
                                let v = v.trim().replace([' ', '\u{a0}'], "");
                                edits.push(CellEdit {
                                    customer_code: row.customer_code.clone(),
                                    part: row.part.clone(),
                                    month: cell.month.clone(),
                                    quantity: if v.is_empty() { 0.0 } else { v.parse().unwrap_or(f64::NAN) },
                                    base_version: cell.version,
                                    key: None,
                                });
                            }
                        }
                        save("the paste", edits);
                    })
                };
                html! {
                    <div><input class={classes!("fc-cell", c.pending.then_some("pending"))} data-month={c.month.clone()} value={shown} disabled={!editable}
                        {oninput} {onchange} {onpaste} {onkeydown} aria-label={format!("{} {} {}", r.customer, r.part, c.month)} /></div>
                }
            });
            Some(html! {
                <>
                    <div class="fc-label" title={r.description.clone()}>{ format!("{} · {}", r.customer, r.part) }</div>
                    <div class="num muted fc-history" title="Sales in the 12 months before the cycle">{ r.last_12_months }</div>
                    { for cells }
                    <div class="num fc-total">{ r.total }</div>
                </>
            })
        })
    };
    let columns = format!(
        "grid-template-columns: 14rem repeat({}, 4.6rem) 5rem",
        months.len()
    );
    let submit = |take_back: bool| {
        let (tick, error) = (tick.clone(), error.clone());
        let id = p.cycle_id;
        Callback::from(move |_: MouseEvent| {
            let (tick, error) = (tick.clone(), error.clone());
            spawn_local(async move {
                let r = if take_back {
                    call::<TakeBackForecast>(&CycleRef { id }).await
                } else {
                    call::<SubmitForecast>(&CycleRef { id }).await
                };
                if let Err(e) = r {
                    error.set(Some(e));
                }
                tick.set(*tick + 1);
            });
        })
    };
    // Fill right: the selected row's first filled month is copied into every month after it.
    let fill_right = {
        let (save, g, selected) = (save.clone(), g.clone(), selected.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(row) = g.rows.get(*selected as usize) else {
                return;
            };
            let Some(start) = row.cells.iter().position(|c| c.quantity.is_some()) else {
                return;
            };
            let q = row.cells[start].quantity.unwrap_or(0) as f64;
            let edits = row.cells[start + 1..]
                .iter()
                .map(|c| CellEdit {
                    customer_code: row.customer_code.clone(),
                    part: row.part.clone(),
                    month: c.month.clone(),
                    quantity: q,
                    base_version: c.version,
                    key: None,
                })
                .collect();
            save("fill right", edits);
        })
    };
    // A conflict or refused edit kept in the journal: keep mine (saved on the store's
    // version) or the saved one.
    let resolve = |c: &CellConflict, keep_mine: bool| {
        let (tick, error, c) = (tick.clone(), error.clone(), c.clone());
        let cycle_id = p.cycle_id;
        Callback::from(move |_: MouseEvent| {
            let (tick, error) = (tick.clone(), error.clone());
            let req = ResolveCell {
                cycle_id,
                keep_mine,
                edit: CellEdit {
                    customer_code: c.customer_code.clone(),
                    part: c.part.clone(),
                    month: c.month.clone(),
                    quantity: c.yours as f64,
                    base_version: c.version,
                    key: None,
                },
            };
            spawn_local(async move {
                if let Err(e) = call::<ResolveForecastCell>(&req).await {
                    error.set(Some(e));
                }
                tick.set(*tick + 1);
            });
        })
    };
    let sync_now = {
        let tick = tick.clone();
        Callback::from(move |_: MouseEvent| tick.set(*tick + 1))
    };
    // An import is one step of the history; its conflicts are kept in the journal and shown
    // in the banner above.
    let imported = {
        let (tick, history, undone) = (tick.clone(), history.clone(), undone.clone());
        Callback::from(move |changes: Vec<CellChange>| {
            if !changes.is_empty() {
                let mut h = (**history).clone();
                h.push(UndoStep {
                    what: "the import",
                    changes,
                });
                history.set(Rc::new(h));
                undone.set(None);
            }
            tick.set(*tick + 1)
        })
    };
    let undo_click = {
        let undo = undo.clone();
        Callback::from(move |_: MouseEvent| undo())
    };
    // Ctrl+Z (or Cmd+Z) anywhere in the grid's card, unless a cell is being typed in (then the
    // text field's own undo applies).
    let undo_key = {
        let (undo, drafts) = (undo.clone(), drafts.clone());
        Callback::from(move |e: KeyboardEvent| {
            if (e.ctrl_key() || e.meta_key())
                && !e.shift_key()
                && e.key().eq_ignore_ascii_case("z")
                && drafts.is_empty()
            {
                e.prevent_default();
                undo();
            }
        })
    };
    let last_step = history.last().map(|s| {
        format!(
            "Undo {} ({} cell(s))",
            s.what.trim_start_matches("the "),
            s.changes.len()
        )
    });
    html! {
        <>
        <div class="card" id="fc-grid-card" onkeydown={undo_key}>
            <h2>{ format!("Forecast · {}", g.cycle.name) }<span class="muted" id="fc-status">{ format!("  {}", g.status.as_str()) }</span></h2>
            if g.cycle.status == CycleStatus::Closed { <p class="banner warn" id="fc-closed">{ "This cycle is closed: the forecast can no longer change." }</p> }
            if let Some(at) = g.sync.offline_as_of {
                <p class="banner warn" id="fc-offline">{ format!("The shared store does not answer: this is this desktop's copy from {}. Edits are kept here and sent when it answers.", date_time(at)) }</p>
            }
            if g.sync.pending > 0 {
                <p class="banner" id="fc-pending">{ format!("{} edit(s) not yet synced  ", g.sync.pending) }
                    <button class="link" id="fc-sync" onclick={sync_now}>{ "Sync now" }</button></p>
            }
            if !g.sync.conflicts.is_empty() {
                <div class="banner warn" id="fc-conflicts">
                    <p>{ "Changed elsewhere since you loaded it; nothing was overwritten. Keep which value?" }</p>
                    { for g.sync.conflicts.iter().map(|c| html! {
                        <p>{ format!("{} {} {}: yours {}, saved {}  ", c.customer_code, c.part, c.month, c.yours, c.theirs.map_or("(empty)".into(), |t| t.to_string())) }
                        <button class="link fc-keep-mine" onclick={resolve(c, true)}>{ "Keep mine" }</button>{ " · " }
                        <button class="link fc-keep-theirs" onclick={resolve(c, false)}>{ "Keep the saved one" }</button></p>
                    }) }
                </div>
            }
            if !g.sync.refused.is_empty() {
                <div class="banner warn" id="fc-refused">
                    <p>{ "Edits made offline that the shared store refused:" }</p>
                    { for g.sync.refused.iter().map(|r| {
                        let c = CellConflict { customer_code: r.customer_code.clone(), part: r.part.clone(), month: r.month.clone(), yours: r.quantity, theirs: None, version: 0 };
                        html! { <p>{ format!("{} {} {}: {} — {}  ", r.customer_code, r.part, r.month, r.quantity, r.reason) }
                            <button class="link" onclick={resolve(&c, false)}>{ "Dismiss" }</button></p> }
                    }) }
                </div>
            }
            if g.rows.is_empty() {
                <p class="muted" id="fc-empty">{ "No customers and products to forecast: an administrator assigns customers and their products." }</p>
            } else {
                <div class="fc-head" style={columns.clone()}>
                    <div>{ "Customer · product" }</div>
                    <div class="num" title="Sales in the 12 months before the cycle">{ "Last 12 m" }</div>
                    { for months.iter().map(|m| html! { <div class="num">{ m.clone() }</div> }) }
                    <div class="num">{ "Total" }</div>
                </div>
                <div style={format!("--fc-cols:{}", months.len())} class="fc-wrap" data-columns={columns.clone()}>
                    <VirtualGrid id="fc-grid" class="inv-grid fc-grid" row_class="fc-row" total={g.rows.len() as u32}
                        view_rows={VIEW_ROWS.min(g.rows.len() as u32).max(1)} row_height={ROW_H} first={*first}
                        on_first={{ let f = first.clone(); Callback::from(move |i| f.set(i)) }}
                        selected={*selected} on_select={{ let s = selected.clone(); Callback::from(move |i| s.set(i)) }} {row} />
                </div>
                <div class="fc-head" id="fc-month-totals" style={columns}>
                    <div>{ "Total" }</div>
                    <div class="num muted">{ g.rows.iter().map(|r| r.last_12_months).sum::<i64>() }</div>
                    { for g.month_totals.iter().map(|t| html! { <div class="num">{ *t }</div> }) }
                    <div class="num">{ g.month_totals.iter().sum::<i64>() }</div>
                </div>
                { match g.rows.get(*selected as usize).filter(|_| !*whole_chart) {
                    Some(r) => html! { <chart::ForecastChart title={format!("{} · {}", r.customer, r.part)} months={months.clone()}
                        forecast={r.cells.iter().map(|c| c.quantity.unwrap_or(0)).collect::<Vec<_>>()} year_before={r.history.clone()} /> },
                    None => html! { <chart::ForecastChart title="All lines" months={months.clone()}
                        forecast={g.month_totals.clone()} year_before={g.history_totals.clone()} /> },
                } }
                <label class="check"><input type="checkbox" id="fc-chart-all" checked={*whole_chart}
                    onchange={{ let w = whole_chart.clone(); Callback::from(move |_: Event| w.set(!*w)) }} />{ " Chart all lines (else the selected line)" }</label>
            }
            <div class="actions">
                if editable && !g.rows.is_empty() {
                    <button class="secondary" id="fc-fill-right" onclick={fill_right} title="Copies the selected row's first filled month into the months after it">{ "Fill right" }</button>
                }
                if editable {
                    if let Some(label) = last_step {
                        <button class="secondary" id="fc-undo" onclick={undo_click} title="Ctrl+Z: puts back what the last edit, paste, fill or import changed">{ label }</button>
                    }
                }
                if let Some(said) = &*undone { <span class="ok" id="fc-undone">{ said.clone() }</span> }
                if g.status == SubmissionStatus::Draft && g.cycle.status == CycleStatus::Open {
                    <button id="fc-submit" onclick={submit(false)}>{ "Submit" }</button>
                }
                if g.status == SubmissionStatus::Submitted && g.cycle.status == CycleStatus::Open {
                    <button class="secondary" id="fc-take-back" onclick={submit(true)}>{ "Take back to edit" }</button>
                }
                <span class="muted">{ format!("Deadline {}", date_time(g.cycle.deadline)) }</span>
            </div>
            { error_line("fc-error", &error) }
        </div>
        <ForecastExcel cycle_id={p.cycle_id} rep_id={p.rep_id} {editable} on_imported={imported} />
        </>
    }
}
