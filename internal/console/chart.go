package console

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The dashboard's charts are inline SVG drawn on the server: no script,
// no style attributes (the console's CSP forbids them), only presentation
// attributes and classes. Each is one image (role="img") whose accessible
// name summarises it; the page puts the same numbers in a table next to it.

// Colours of the charts, from the console's palette.
const (
	chartInk    = "#1b1f24"
	chartMuted  = "#4d5560"
	chartGrid   = "#c9ced6"
	chartSeries = "#1f5fbf"
)

// linePoint is one value of a percent series; a point that is not Valid
// (a day with nothing to divide by) leaves a gap in the line.
type linePoint struct {
	// Label names the point on the x axis, such as "2 Nov".
	Label string
	// Value is a percentage, 0 to 100.
	Value float64
	Valid bool
}

// lineChart is a percent series over days, drawn as a line on a 0–100%
// grid with the last value labelled.
type lineChart struct {
	// Summary is the image's accessible name.
	Summary string
	Points  []linePoint
	// Wide draws for a wide card (960 units across) instead of a phone
	// (360): the page holds both and shows the one that fits.
	Wide bool
}

// The line chart's geometry, in viewBox units: the narrow drawing's; the
// wide one is lineWideWidth across with the same margins.
const (
	lineWidth, lineHeight  = 360, 220
	lineWideWidth          = 960
	lineLeft, lineRight    = 40, 40
	lineTop, lineBottom    = 12, 28
	linePlotH              = lineHeight - lineTop - lineBottom
	chartFont, chartRadius = 13, 3
	// lineAllLabels is the most points that each get a label on the x axis;
	// longer series label the first, middle and last.
	lineAllLabels = 7
)

// width is the drawing's width in viewBox units.
func (c lineChart) width() int {
	if c.Wide {
		return lineWideWidth
	}
	return lineWidth
}

// plotW is the plot's width.
func (c lineChart) plotW() float64 { return float64(c.width() - lineLeft - lineRight) }

// x returns the horizontal position of point i of n.
func (c lineChart) x(i int) float64 {
	n := len(c.Points)
	if n < 2 {
		return lineLeft + c.plotW()/2
	}
	return lineLeft + float64(i)*c.plotW()/float64(n-1)
}

// y returns the vertical position of percentage v.
func (lineChart) y(v float64) float64 {
	v = math.Max(0, math.Min(100, v))
	return lineTop + (100-v)/100*linePlotH
}

// SVG draws the chart.
func (c lineChart) SVG() template.HTML {
	var b strings.Builder
	svgOpen(&b, c.width(), lineHeight, c.Summary)
	linePlotW := c.plotW()
	// Percent gridlines with their labels, and the baseline.
	for v := 0.0; v <= 100; v += 25 {
		y := c.y(v)
		stroke := chartGrid
		if v == 0 {
			stroke = chartMuted
		}
		fmt.Fprintf(&b, `<line class="chart-grid" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`,
			num(lineLeft), num(y), num(lineLeft+linePlotW), num(y), stroke)
		text(&b, "chart-axis", lineLeft-6, y+4, "end", chartMuted, fmt.Sprintf("%.0f%%", v))
	}
	// Dates under the first, middle and last points.
	if n := len(c.Points); n > 0 {
		base := float64(lineTop + linePlotH + 18)
		if n == 1 {
			text(&b, "chart-axis", c.x(0), base, "middle", chartMuted, c.Points[0].Label)
		} else if n <= lineAllLabels {
			for i, p := range c.Points {
				anchor := "middle"
				switch i {
				case 0:
					anchor = "start"
				case n - 1:
					anchor = "end"
				}
				text(&b, "chart-axis", c.x(i), base, anchor, chartMuted, p.Label)
			}
		} else {
			text(&b, "chart-axis", c.x(0), base, "start", chartMuted, c.Points[0].Label)
			if n > 2 {
				text(&b, "chart-axis", c.x(n/2), base, "middle", chartMuted, c.Points[n/2].Label)
			}
			text(&b, "chart-axis", c.x(n-1), base, "end", chartMuted, c.Points[n-1].Label)
		}
	}
	// The line, one polyline per run of valid points, and the points.
	var run []string
	flush := func() {
		if len(run) > 1 {
			fmt.Fprintf(&b, `<polyline class="chart-line" points="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"/>`,
				strings.Join(run, " "), chartSeries)
		}
		run = run[:0]
	}
	last, valid := -1, 0
	for i, p := range c.Points {
		if !p.Valid {
			flush()
			continue
		}
		run = append(run, num(c.x(i))+","+num(c.y(p.Value)))
		last = i
		valid++
	}
	flush()
	radius := chartRadius
	if valid == 1 {
		// A lone value is a level across the plot, not a dot lost in it.
		p := c.Points[last]
		fmt.Fprintf(&b, `<line class="chart-level" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`,
			num(lineLeft), num(c.y(p.Value)), num(lineLeft+linePlotW), num(c.y(p.Value)), chartSeries)
		radius = 2 * chartRadius
	}
	for i, p := range c.Points {
		if p.Valid {
			fmt.Fprintf(&b, `<circle class="chart-point" cx="%s" cy="%s" r="%d" fill="%s"/>`,
				num(c.x(i)), num(c.y(p.Value)), radius, chartSeries)
		}
	}
	if last >= 0 {
		// The label stays inside the drawing: left of a point in the right
		// half, below a point near the top.
		p := c.Points[last]
		x, anchor := c.x(last)+8, "start"
		if c.x(last) > lineLeft+linePlotW/2 {
			x, anchor = c.x(last)-8, "end"
		}
		y := c.y(p.Value) - 8
		if p.Value > 85 {
			y = c.y(p.Value) + 20
		}
		text(&b, "chart-value", x, y, anchor, chartInk, fmt.Sprintf("%.0f%%", p.Value))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// bar is one row of a horizontal bar chart.
type bar struct {
	Label string
	Count int
	// Note follows the count, such as "67%".
	Note string
}

// barChart is a horizontal bar chart of counts, each bar labelled with
// its name, count and note.
type barChart struct {
	// Summary is the image's accessible name.
	Summary string
	Bars    []bar
	// Wide draws for a wide card, as lineChart.Wide.
	Wide bool
}

// The bar chart's geometry, in viewBox units: the narrow drawing's; the
// wide one is barWideWidth across, its bars up to barWideMax long.
const (
	barWidth, barRowH, barH  = 360, 30, 18
	barLeft, barMax, barTop  = 80, 170, 6
	barWideWidth, barWideMax = 960, 700
)

// SVG draws the chart. Bars are scaled to the largest count.
func (c barChart) SVG() template.HTML {
	height := barTop*2 + barRowH*len(c.Bars)
	width, barMax := barWidth, float64(barMax)
	if c.Wide {
		width, barMax = barWideWidth, barWideMax
	}
	var b strings.Builder
	svgOpen(&b, width, height, c.Summary)
	top := 0
	for _, r := range c.Bars {
		top = max(top, r.Count)
	}
	fmt.Fprintf(&b, `<line class="chart-grid" x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="1"/>`,
		barLeft, barTop, barLeft, height-barTop, chartMuted)
	for i, r := range c.Bars {
		y := float64(barTop + i*barRowH + (barRowH-barH)/2)
		w := 0.0
		if top > 0 {
			w = float64(r.Count) / float64(top) * barMax
		}
		text(&b, "chart-axis", barLeft-8, y+barH/2+5, "end", chartInk, r.Label)
		fmt.Fprintf(&b, `<rect class="chart-bar" x="%d" y="%s" width="%s" height="%d" fill="%s"/>`,
			barLeft, num(y), num(w), barH, chartSeries)
		label := strconv.Itoa(r.Count)
		if r.Note != "" {
			label += " (" + r.Note + ")"
		}
		text(&b, "chart-value", barLeft+w+6, y+barH/2+5, "start", chartInk, label)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// svgOpen starts an SVG image of the given size named by summary.
func svgOpen(b *strings.Builder, width, height int, summary string) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" font-family="system-ui, sans-serif" font-size="%d">`,
		width, height, width, height, html.EscapeString(summary), chartFont)
}

// chartPair holds a chart drawn for a phone and for a wide card; the
// stylesheet shows the one that fits its container, so that each fills
// its card and its text stays readable.
type chartPair struct {
	Narrow, Wide template.HTML
}

// lineCharts draws c both ways.
func lineCharts(c lineChart) chartPair {
	narrow, wide := c, c
	narrow.Wide, wide.Wide = false, true
	return chartPair{Narrow: narrow.SVG(), Wide: wide.SVG()}
}

// barCharts draws c both ways.
func barCharts(c barChart) chartPair {
	narrow, wide := c, c
	narrow.Wide, wide.Wide = false, true
	return chartPair{Narrow: narrow.SVG(), Wide: wide.SVG()}
}

// text writes one text element with escaped content.
func text(b *strings.Builder, class string, x, y float64, anchor, fill, s string) {
	fmt.Fprintf(b, `<text class="%s" x="%s" y="%s" text-anchor="%s" fill="%s">%s</text>`,
		class, num(x), num(y), anchor, fill, html.EscapeString(s))
}

// num formats a coordinate with at most one decimal.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}
