//! The virtualised keyboard grid: only the rows in view (and two more) are in the page, each
//! placed at its offset inside a spacer as tall as every row, so 100,000 rows scroll like 20.
//! Arrow keys, Page Up/Down, Home and End move the selection and keep it in view. The owner
//! keeps the selection and the first visible row (it fetches rows around it) and renders each
//! row's cells; the inventory grid uses it today and the forecast grid next.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GridProps {
    pub id: AttrValue,
    /// Class of the scrolling box; rows get `<row_class>` and `<row_class> sel`.
    pub class: AttrValue,
    pub row_class: AttrValue,
    pub total: u32,
    /// Rows in view.
    pub view_rows: u32,
    /// Pixels per row (the CSS must agree).
    pub row_height: f64,
    /// The first row in view, as the owner last heard it.
    pub first: u32,
    pub on_first: Callback<u32>,
    pub selected: u32,
    pub on_select: Callback<u32>,
    /// The cells of row `i`, or `None` while it is not loaded.
    pub row: Callback<u32, Option<Html>>,
}

/// Where the selection goes for a key; `None` for keys the grid leaves alone.
pub fn next_row(key: &str, selected: u32, total: u32, view_rows: u32) -> Option<u32> {
    let max = total.saturating_sub(1);
    Some(match key {
        "ArrowDown" => (selected + 1).min(max),
        "ArrowUp" => selected.saturating_sub(1),
        "PageDown" => (selected + view_rows).min(max),
        "PageUp" => selected.saturating_sub(view_rows),
        "Home" => 0,
        "End" => max,
        _ => return None,
    })
}

#[function_component(VirtualGrid)]
pub fn virtual_grid(p: &GridProps) -> Html {
    let grid_ref = use_node_ref();
    let (row_h, view) = (p.row_height, p.view_rows);
    let on_scroll = {
        let on_first = p.on_first.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::Element = e.target_unchecked_into();
            on_first.emit((el.scroll_top() as f64 / row_h).floor() as u32);
        })
    };
    let on_key = {
        let (on_select, grid_ref) = (p.on_select.clone(), grid_ref.clone());
        let (selected, total) = (p.selected, p.total);
        Callback::from(move |e: KeyboardEvent| {
            let Some(next) = next_row(&e.key(), selected, total, view) else {
                return;
            };
            e.prevent_default();
            on_select.emit(next);
            if let Some(el) = grid_ref.cast::<web_sys::Element>() {
                let top = el.scroll_top() as f64;
                let y = f64::from(next) * row_h;
                if y < top {
                    el.set_scroll_top(y as i32);
                } else if y + row_h > top + f64::from(view) * row_h {
                    el.set_scroll_top((y + row_h - f64::from(view) * row_h) as i32);
                }
            }
        })
    };
    let to = (p.first + view + 2).min(p.total);
    let rows = (p.first..to).filter_map(|i| {
        let cells = p.row.emit(i)?;
        let top = format!("top:{}px", f64::from(i) * row_h);
        let class = if i == p.selected {
            format!("{} sel", p.row_class)
        } else {
            p.row_class.to_string()
        };
        Some(html! {
            <div class={class} style={top} role="row" data-index={i.to_string()}>{ cells }</div>
        })
    });
    let spacer = format!("height:{}px", f64::from(p.total) * row_h);
    let grid_h = format!("height:{}px", f64::from(view) * row_h);
    html! {
        <div class={p.class.clone()} id={p.id.clone()} role="grid" tabindex="0" style={grid_h} ref={grid_ref} onscroll={on_scroll} onkeydown={on_key}>
            <div class="inv-spacer" style={spacer}>{ for rows }</div>
        </div>
    }
}
