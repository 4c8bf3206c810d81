//! The geometry of a line chart of a centre's composite score over periods, drawn as inline SVG
//! (the page shows the same values in a table beside it). Scores run 0..100 on the vertical
//! axis; periods are evenly spaced, oldest on the left; a period without a score breaks the line.

/// Width of the drawing, in SVG units (the chart scales to its container).
pub const WIDTH: f64 = 640.0;
/// Height of the drawing.
pub const HEIGHT: f64 = 260.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;
/// Scores where the horizontal grid lines are drawn and labelled.
const GRID: [f64; 6] = [0.0, 20.0, 40.0, 60.0, 80.0, 100.0];

/// One value of the series: a period's label and its score, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The period, e.g. `2026-Q3`.
    pub label: String,
    /// The score 0..100; `None` when the period had no score.
    pub value: Option<f64>,
}

/// A marked point of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Horizontal position.
    pub x: String,
    /// Vertical position.
    pub y: String,
}

/// A labelled position on an axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Position along the axis (y for the score axis, x for the periods).
    pub at: String,
    /// The label.
    pub label: String,
}

/// What the template draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The `viewBox`.
    pub view_box: String,
    /// Left edge of the plot area (where the grid lines start).
    pub left: String,
    /// Right edge of the plot area.
    pub right: String,
    /// Baseline of the period labels.
    pub label_y: String,
    /// Horizontal grid lines with their score labels.
    pub grid: Vec<Tick>,
    /// Period labels along the bottom.
    pub periods: Vec<Tick>,
    /// Unbroken runs of the line, each as `points` of a `<polyline>`.
    pub lines: Vec<String>,
    /// Every period with a score.
    pub points: Vec<Point>,
}

fn n(x: f64) -> String {
    format!("{x:.1}")
}

/// The chart of `series`, oldest first.
pub fn draw(series: &[Sample]) -> Chart {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    #[allow(clippy::cast_precision_loss)]
    let x_of = |i: usize| {
        if series.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (series.len() - 1) as f64
        }
    };
    let y_of = |v: f64| TOP + plot_h * (1.0 - v.clamp(0.0, 100.0) / 100.0);
    let mut lines = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut points = Vec::new();
    for (i, sample) in series.iter().enumerate() {
        match sample.value {
            Some(v) => {
                let (x, y) = (n(x_of(i)), n(y_of(v)));
                run.push(format!("{x},{y}"));
                points.push(Point { x, y });
            }
            None => {
                if run.len() > 1 {
                    lines.push(run.join(" "));
                }
                run.clear();
            }
        }
    }
    if run.len() > 1 {
        lines.push(run.join(" "));
    }
    Chart {
        view_box: format!("0 0 {WIDTH:.0} {HEIGHT:.0}"),
        left: n(LEFT),
        right: n(WIDTH - RIGHT),
        label_y: n(HEIGHT - BOTTOM + 22.0),
        grid: GRID
            .iter()
            .map(|v| Tick {
                at: n(y_of(*v)),
                label: format!("{v:.0}"),
            })
            .collect(),
        periods: series
            .iter()
            .enumerate()
            .map(|(i, s)| Tick {
                at: n(x_of(i)),
                label: s.label.clone(),
            })
            .collect(),
        lines,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(label: &str, value: Option<f64>) -> Sample {
        Sample {
            label: label.into(),
            value,
        }
    }

    #[test]
    fn scores_map_onto_the_plot_area() {
        let chart = draw(&[s("2026-Q1", Some(0.0)), s("2026-Q2", Some(100.0))]);
        assert_eq!(chart.view_box, "0 0 640 260");
        assert_eq!(
            chart.points,
            vec![
                Point {
                    x: "44.0".into(),
                    y: "224.0".into()
                },
                Point {
                    x: "624.0".into(),
                    y: "12.0".into()
                }
            ]
        );
        assert_eq!(chart.lines, vec!["44.0,224.0 624.0,12.0".to_string()]);
        assert_eq!(chart.grid.len(), 6);
        assert_eq!(chart.grid[0].at, "224.0");
        assert_eq!(chart.grid[5].label, "100");
        assert_eq!(chart.periods[1].label, "2026-Q2");
    }

    #[test]
    fn a_single_period_is_a_point_in_the_middle() {
        let chart = draw(&[s("2026-Q3", Some(50.0))]);
        assert_eq!(chart.points.len(), 1);
        assert_eq!(chart.points[0].x, "334.0");
        assert_eq!(chart.points[0].y, "118.0");
        assert!(chart.lines.is_empty(), "one point draws no line");
    }

    #[test]
    fn a_period_without_a_score_breaks_the_line() {
        let chart = draw(&[
            s("Q1", Some(40.0)),
            s("Q2", Some(60.0)),
            s("Q3", None),
            s("Q4", Some(70.0)),
            s("Q5", Some(130.0)),
        ]);
        assert_eq!(chart.lines.len(), 2);
        assert_eq!(chart.points.len(), 4);
        assert_eq!(chart.points[3].y, "12.0", "clamped to 100");
        assert!(draw(&[]).points.is_empty());
    }
}
