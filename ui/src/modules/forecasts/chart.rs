//! Forecast beside the same months a year earlier, as a small SVG line chart: the whole grid,
//! or the selected line. Plain SVG: two series of at most 18 points need no chart library.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChartProps {
    pub title: AttrValue,
    /// `YYYY-MM`, in order.
    pub months: Vec<String>,
    pub forecast: Vec<i64>,
    pub year_before: Vec<i64>,
}

const W: f64 = 640.0;
const H: f64 = 180.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 24.0;
const TOP: f64 = 10.0;

#[function_component(ForecastChart)]
pub fn forecast_chart(p: &ChartProps) -> Html {
    let n = p.months.len();
    if n == 0 {
        return html! {};
    }
    let max = p
        .forecast
        .iter()
        .chain(&p.year_before)
        .copied()
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let x = |i: usize| LEFT + (W - LEFT - 8.0) * (i as f64 + 0.5) / n as f64;
    let y = |v: i64| TOP + (H - TOP - BOTTOM) * (1.0 - v as f64 / max);
    let line = |values: &[i64]| {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    html! {
        <figure class="fc-chart" id="fc-chart">
            <figcaption>{ format!("{}: forecast {}, a year earlier {}", p.title, p.forecast.iter().sum::<i64>(), p.year_before.iter().sum::<i64>()) }
                <span class="fc-key fc-key-forecast">{ " ● forecast" }</span>
                <span class="fc-key fc-key-before">{ " ● a year earlier" }</span>
            </figcaption>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-hidden="true">
                <line x1={LEFT.to_string()} y1={(H - BOTTOM).to_string()} x2={(W - 8.0).to_string()} y2={(H - BOTTOM).to_string()} class="axis" />
                <text x={(LEFT - 6.0).to_string()} y={(TOP + 8.0).to_string()} text-anchor="end" class="tick">{ max as i64 }</text>
                <text x={(LEFT - 6.0).to_string()} y={(H - BOTTOM).to_string()} text-anchor="end" class="tick">{ "0" }</text>
                { for p.months.iter().enumerate().filter(|(i, _)| n <= 12 || i % 2 == 0).map(|(i, m)| html! {
                    <text x={format!("{:.1}", x(i))} y={(H - 6.0).to_string()} text-anchor="middle" class="tick">{ m.get(2..).unwrap_or(m).to_string() }</text>
                }) }
                <polyline points={line(&p.year_before)} class="series before" />
                <polyline points={line(&p.forecast)} class="series forecast" />
                { for p.forecast.iter().enumerate().map(|(i, v)| html! {
                    <circle cx={format!("{:.1}", x(i))} cy={format!("{:.1}", y(*v))} r="3" class="forecast"><title>{ format!("{}: {v}", p.months[i]) }</title></circle>
                }) }
            </svg>
        </figure>
    }
}
