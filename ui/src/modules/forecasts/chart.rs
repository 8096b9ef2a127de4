//! Forecast beside the same months a year earlier: the whole grid, or the selected line,
//! drawn by plotters' SVG backend (its text measured by the webview). The title and totals are
//! ordinary (escaped) HTML; plotters only gets months and numbers.

use plotters::prelude::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub title: AttrValue,
    /// `YYYY-MM`, in order.
    pub months: Vec<String>,
    pub forecast: Vec<i64>,
    pub year_before: Vec<i64>,
}

const FORECAST: RGBColor = RGBColor(37, 99, 235);
const BEFORE: RGBColor = RGBColor(154, 164, 178);

/// The chart as SVG markup.
fn render(months: &[String], forecast: &[i64], before: &[i64]) -> Result<String, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 190)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let top = forecast
            .iter()
            .chain(before)
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        let last = months.len().saturating_sub(1).max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(22)
            .y_label_area_size(52)
            .build_cartesian_2d(0..last, 0i64..top + top / 10 + 1)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(months.len())
            .x_label_formatter(&|i| {
                months
                    .get(*i)
                    .map(|m| m.get(2..).unwrap_or(m).to_string())
                    .unwrap_or_default()
            })
            .y_labels(5)
            .draw()
            .map_err(|e| err(&e))?;
        chart
            .draw_series(LineSeries::new(
                before.iter().enumerate().map(|(i, v)| (i, *v)),
                BEFORE.stroke_width(2),
            ))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(LineSeries::new(
                forecast.iter().enumerate().map(|(i, v)| (i, *v)),
                FORECAST.stroke_width(2),
            ))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(
                forecast
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Circle::new((i, *v), 3, FORECAST.filled())),
            )
            .map_err(|e| err(&e))?;
        root.present().map_err(|e| err(&e))?;
    }
    Ok(svg)
}

#[function_component(ForecastChart)]
pub fn forecast_chart(p: &ChartProps) -> Html {
    if p.months.is_empty() {
        return html! {};
    }
    let drawn = render(&p.months, &p.forecast, &p.year_before);
    html! {
        <figure class="fc-chart" id="fc-chart">
            <figcaption>{ format!("{}: forecast {}, a year earlier {}", p.title, p.forecast.iter().sum::<i64>(), p.year_before.iter().sum::<i64>()) }
                <span class="fc-key fc-key-forecast">{ " ● forecast" }</span>
                <span class="fc-key fc-key-before">{ " ● a year earlier" }</span>
            </figcaption>
            { match drawn {
                Ok(svg) => html! { <div class="fc-chart-svg" aria-hidden="true">{ Html::from_html_unchecked(AttrValue::from(svg)) }</div> },
                Err(e) => html! { <p class="muted">{ format!("The chart could not be drawn: {e}") }</p> },
            } }
        </figure>
    }
}
