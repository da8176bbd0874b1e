//! The report's charts, drawn as SVG text by `plotters`: time series (a mean line and its
//! p5–p95 band per series), lines through (x, y) points, a histogram and a Lorenz curve. Every
//! series line is a `<polyline>` of stroke width 2 and every histogram bar a filled `<rect>` in
//! the bar colour, so a reader (or the browser test) can count them; legends use swatches.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::data::{Band, span};
use crate::numbers::{fixed, number};

/// Chart size in SVG units (scaled to the page width by CSS).
const SIZE: (u32, u32) = (1000, 420);
/// The series colours, in order (a colour-blind-safe set).
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];
/// The histogram bars' colour (no series uses it, so the bars can be counted).
pub(crate) const BAR: RGBColor = RGBColor(70, 130, 180);

type Res<T> = Result<T, String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing a chart: {e:?}")
}

/// The axis range of values, widened by 5 % (and around a constant) so nothing sits on a frame.
fn padded((lo, hi): (f64, f64)) -> std::ops::Range<f64> {
    let pad = if hi > lo { (hi - lo) * 0.05 } else { lo.abs().max(1.0) * 0.05 };
    (lo - pad)..(hi + pad)
}

/// Widens a y range upwards to leave room for a legend of `entries` lines in the upper left.
fn headroom((lo, hi): (f64, f64), entries: usize) -> (f64, f64) {
    let h = if hi > lo { hi - lo } else { lo.abs().max(1.0) * 0.1 };
    (lo, hi + h * (0.05 + 0.12 * entries as f64))
}

/// An axis tick label: [`number`], or, when the axis spans under 5 % of its magnitude (where
/// "1.36 M" would repeat), as many decimals (of M or bn above a million) as tell ticks apart.
fn tick(v: f64, (lo, hi): (f64, f64)) -> String {
    let span = hi - lo;
    if span <= 0.0 || span >= lo.abs().max(hi.abs()) * 0.05 {
        return number(v);
    }
    let mag = lo.abs().max(hi.abs());
    let (scale, suffix) = match mag {
        m if m >= 1e9 => (1e9, " bn"),
        m if m >= 1e6 => (1e6, " M"),
        _ => (1.0, ""),
    };
    let decimals = (-(span / 10.0 / scale).log10()).ceil().clamp(0.0, 12.0) as usize;
    format!("{}{suffix}", fixed(v / scale, decimals))
}

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Draws into an SVG string; `draw` gets the root area.
fn svg(draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Res<()>) -> Res<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// A chart's plane over `xs` × `ys` (padded): the caption, both axes with their descriptions
/// and ticks, and the light grid.
fn plane<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    (x_desc, xs): (&str, (f64, f64)),
    (y_desc, ys): (&str, (f64, f64)),
) -> Res<ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 24))
        .margin(14)
        .x_label_area_size(48)
        .y_label_area_size(96)
        .build_cartesian_2d(padded(xs), padded(ys))
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(("sans-serif", 17))
        .label_style(("sans-serif", 15))
        .y_label_formatter(&|v| tick(*v, ys))
        .x_label_formatter(&|v| tick(*v, xs))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// A time series chart: per series a mean line, with its p5–p95 band shaded when `bands`; a
/// series without a value (a sweep point where the column is NaN) has no line and no legend
/// entry, and the others keep the colour of their place (the same point, the same colour, on
/// every chart).
pub(crate) fn series(
    title: &str,
    y_desc: &str,
    lines: &[(String, &Band)],
    bands: bool,
) -> Res<String> {
    let xs = span(lines.iter().flat_map(|(_, b)| b.day.iter().copied())).unwrap_or((0.0, 1.0));
    let ys = span(lines.iter().filter_map(|(_, b)| b.range()).flat_map(|(a, b)| [a, b]))
        .unwrap_or((0.0, 1.0));
    let ys = headroom(ys, lines.len());
    svg(|root| {
        let mut chart = plane(root, title, ("day", xs), (y_desc, ys))?;
        for (i, (label, band)) in lines.iter().enumerate() {
            let c = color(i);
            if band.day.is_empty() {
                continue;
            }
            if bands && band.day.len() > 1 {
                let upper = band.day.iter().zip(&band.p95).map(|(&x, &y)| (x, y));
                let lower = band.day.iter().zip(&band.p5).rev().map(|(&x, &y)| (x, y));
                let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
                chart
                    .draw_series(std::iter::once(Polygon::new(outline, c.mix(0.18).filled())))
                    .map_err(err)?;
            }
            let points: Vec<(f64, f64)> =
                band.day.iter().copied().zip(band.mean.iter().copied()).collect();
            let label = if bands && band.day.len() > 1 {
                format!("{label} (band: p5–p95)")
            } else {
                label.clone()
            };
            chart
                .draw_series(LineSeries::new(points, c.stroke_width(2)))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], c.filled()));
        }
        legend(&mut chart)
    })
}

/// Draws the legend box of a chart in its upper left corner.
fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Res<()>
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .draw()
        .map_err(err)
}

/// Lines through (x, y) points, one per series, markers at the points.
pub(crate) fn lines(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[(String, Vec<(f64, f64)>)],
) -> Res<String> {
    let xs = span(lines.iter().flat_map(|(_, p)| p.iter().map(|q| q.0))).unwrap_or((0.0, 1.0));
    let ys = span(lines.iter().flat_map(|(_, p)| p.iter().map(|q| q.1))).unwrap_or((0.0, 1.0));
    let ys = headroom(ys, lines.len());
    svg(|root| {
        let mut chart = plane(root, title, (x_desc, xs), (y_desc, ys))?;
        for (i, (label, points)) in lines.iter().enumerate() {
            let c = color(i);
            chart
                .draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))
                .map_err(err)?
                .label(label.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], c.filled()));
            chart
                .draw_series(points.iter().map(|&p| Circle::new(p, 4, c.filled())))
                .map_err(err)?;
        }
        legend(&mut chart)
    })
}

/// The bins of a histogram: (lower edge, upper edge, count), `bins` of equal width over the
/// values' range (one bin of width 1 around a constant).
pub(crate) fn bins(values: &[f64], bins: usize) -> Vec<(f64, f64, u32)> {
    let Some((lo, hi)) = span(values.iter().copied()) else {
        return Vec::new();
    };
    if hi <= lo {
        return vec![(lo - 0.5, lo + 0.5, values.iter().filter(|v| v.is_finite()).count() as u32)];
    }
    let bins = bins.max(1);
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u32; bins];
    for &v in values.iter().filter(|v| v.is_finite()) {
        let i = (((v - lo) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| (lo + width * i as f64, lo + width * (i + 1) as f64, n))
        .collect()
}

/// A histogram of pre-computed bins, counting `y_desc` ("runs", "nodes"): its SVG.
pub(crate) fn histogram(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    bins: &[(f64, f64, u32)],
) -> Res<String> {
    let xs = span(bins.iter().flat_map(|b| [b.0, b.1])).unwrap_or((0.0, 1.0));
    let top = bins.iter().map(|b| b.2).max().unwrap_or(1).max(1);
    // A bin that holds any is drawn at least 1/150 of the tallest (a pixel or two): one node among
    // hundreds in a bin would round to no bar at all.
    let least = f64::from(top) / 150.0;
    svg(|root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 24))
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(70)
            .build_cartesian_2d(padded(xs), 0.0..(f64::from(top) * 1.1))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .axis_desc_style(("sans-serif", 17))
            .label_style(("sans-serif", 15))
            .x_label_formatter(&|v| tick(*v, xs))
            .y_label_formatter(&|v| number(*v))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(bins.iter().filter(|b| b.2 > 0).map(|&(a, b, n)| {
                Rectangle::new([(a, 0.0), (b, f64::from(n).max(least))], BAR.filled())
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// A Lorenz curve with the line of equality; the title carries the Gini coefficient.
pub(crate) fn lorenz(title: &str, x_desc: &str, points: &[(f64, f64)]) -> Res<String> {
    let equal = vec![(0.0, 0.0), (1.0, 1.0)];
    lines(
        title,
        x_desc,
        "share of the total (0–1)",
        &[("Lorenz curve".to_owned(), points.to_vec()), ("equality".to_owned(), equal)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_keep_the_digits_that_differ() {
        // 1.34 M to 1.38 M spans 3 % of its magnitude: a tenth of the span, 4,000, is 0.004 M,
        // so three decimals of M.
        assert_eq!(tick(1_355_000.0, (1_340_000.0, 1_380_000.0)), "1.355 M");
        // 2.77 bn to 2.82 bn: a tenth is 0.005 bn, three decimals of bn.
        assert_eq!(tick(2_815_000_000.0, (2.77e9, 2.82e9)), "2.815 bn");
        // 9,000 to 9,100 (1 %): a tenth is 10, no decimals, separators kept.
        assert_eq!(tick(9_050.0, (9_000.0, 9_100.0)), "9,050");
        assert_eq!(tick(1_355_000.0, (0.0, 1_380_000.0)), "1.35 M");
        // 1.000 to 1.014: a tenth of the span is 0.0014, so three decimals.
        assert_eq!(tick(1.002, (1.0, 1.014)), "1.002");
    }

    #[test]
    fn bins_by_hand() {
        // 0, 1, 2, 3, 4 in two bins of width 2: [0, 2) holds 0 and 1; [2, 4] holds 2, 3, 4.
        assert_eq!(bins(&[0.0, 1.0, 2.0, 3.0, 4.0], 2), vec![(0.0, 2.0, 2), (2.0, 4.0, 3)]);
        assert_eq!(bins(&[5.0, 5.0], 4), vec![(4.5, 5.5, 2)]);
        assert!(bins(&[], 3).is_empty());
    }

    #[test]
    fn a_series_is_one_thick_polyline() {
        let band = Band {
            day: vec![0.0, 1.0],
            mean: vec![1.0, 2.0],
            p5: vec![0.5, 1.5],
            p95: vec![1.5, 2.5],
        };
        let svg = series("t", "u", &[("a".to_owned(), &band)], true).expect("draws");
        assert_eq!(svg.matches("stroke-width=\"2\"").count(), 1, "{svg}");
        assert_eq!(svg.matches("<polygon").count(), 1);
    }
}
