//! The geometry of a horizontal bar chart of counts, drawn as inline SVG (the page shows the same
//! numbers in a table beside it). Each bar has its label above it and its value written after
//! it, so nothing is told by colour or length alone; bars are scaled to the largest value.

/// Width of the drawing, in SVG units (the chart scales to its container).
pub const WIDTH: f64 = 640.0;
const LEFT: f64 = 4.0;
/// Room kept right of the longest bar for its value.
const VALUE_ROOM: f64 = 96.0;
const TOP: f64 = 4.0;
/// Height of one row: its label line and its bar.
const ROW: f64 = 44.0;
const BAR: f64 = 16.0;

/// One value to draw: its label, its size, and its size as the page writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// What the bar stands for.
    pub label: String,
    /// Its size (negative sizes are drawn as none).
    pub value: f64,
    /// The value as written beside the bar.
    pub text: String,
}

/// One bar as the template draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// What it stands for.
    pub label: String,
    /// Baseline of the label.
    pub label_y: String,
    /// Top of the bar.
    pub y: String,
    /// Length of the bar.
    pub width: String,
    /// Where the value is written.
    pub value_x: String,
    /// Baseline of the value.
    pub value_y: String,
    /// The value.
    pub text: String,
}

/// What the template draws.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// The `viewBox`.
    pub view_box: String,
    /// Left edge of the bars and labels.
    pub left: String,
    /// Thickness of a bar.
    pub bar_height: String,
    /// The bars, in the order given.
    pub bars: Vec<Bar>,
}

fn n(x: f64) -> String {
    format!("{x:.1}")
}

/// The chart of `items`, top to bottom in their order.
pub fn draw(items: &[Item]) -> BarChart {
    let plot_w = WIDTH - LEFT - VALUE_ROOM;
    let max = items
        .iter()
        .map(|i| i.value)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    #[allow(clippy::cast_precision_loss)]
    let height = TOP * 2.0 + ROW * items.len().max(1) as f64;
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            #[allow(clippy::cast_precision_loss)]
            let top = TOP + ROW * i as f64;
            let width = plot_w * item.value.max(0.0) / max;
            Bar {
                label: item.label.clone(),
                label_y: n(top + 14.0),
                y: n(top + 20.0),
                width: n(width),
                value_x: n(LEFT + width + 6.0),
                value_y: n(top + 20.0 + BAR - 3.0),
                text: item.text.clone(),
            }
        })
        .collect();
    BarChart {
        view_box: format!("0 0 {WIDTH:.0} {height:.0}"),
        left: n(LEFT),
        bar_height: n(BAR),
        bars,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(label: &str, value: f64) -> Item {
        Item {
            label: label.into(),
            value,
            text: format!("{value}"),
        }
    }

    #[test]
    fn the_largest_value_fills_the_plot_and_the_rest_scale() {
        let chart = draw(&[item("A", 10.0), item("B", 5.0), item("C", 0.0)]);
        assert_eq!(chart.view_box, "0 0 640 140");
        assert_eq!(chart.bars[0].width, "540.0");
        assert_eq!(chart.bars[1].width, "270.0");
        assert_eq!(chart.bars[2].width, "0.0");
        assert_eq!(chart.bars[1].y, "68.0");
        assert_eq!(chart.bars[1].label_y, "62.0");
        assert_eq!(chart.bars[0].value_x, "550.0", "the value follows its bar");
        assert_eq!(chart.bars[2].text, "0");
    }

    #[test]
    fn nothing_to_draw_is_an_empty_chart_and_no_value_is_no_bar() {
        let chart = draw(&[]);
        assert!(chart.bars.is_empty());
        assert_eq!(chart.view_box, "0 0 640 52");
        let zeros = draw(&[item("A", 0.0), item("B", -3.0)]);
        assert!(zeros.bars.iter().all(|b| b.width == "0.0"));
    }
}
