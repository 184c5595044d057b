package console

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

// svgElement is one element of a parsed chart.
type svgElement struct {
	name  string
	attrs map[string]string
	text  string
}

// parseSVG checks that s is one well-formed XML document and returns its
// elements in document order.
func parseSVG(t *testing.T, s string) []svgElement {
	t.Helper()
	if strings.Contains(s, "style=") {
		t.Errorf("the chart has a style attribute, which the console's CSP refuses: %s", s)
	}
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	var out []svgElement
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed XML: %v\n%s", err, s)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			e := svgElement{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
		case xml.EndElement:
			depth--
		case xml.CharData:
			if len(out) > 0 && depth > 0 {
				out[len(out)-1].text += string(tok)
			}
		}
	}
	if roots != 1 || len(out) == 0 || out[0].name != "svg" {
		t.Fatalf("want one svg root element, got %d roots: %s", roots, s)
	}
	return out
}

func elements(es []svgElement, name, class string) []svgElement {
	var out []svgElement
	for _, e := range es {
		if e.name == name && (class == "" || e.attrs["class"] == class) {
			out = append(out, e)
		}
	}
	return out
}

func TestLineChartPlacesPoints(t *testing.T) {
	c := lineChart{Summary: `Share of "active" users <by day>`, Points: []linePoint{
		{Label: "1 Nov", Value: 0, Valid: true},
		{Label: "2 Nov", Value: 50, Valid: true},
		{Label: "3 Nov"}, // nothing that day: a gap
		{Label: "4 Nov", Value: 25, Valid: true},
		{Label: "5 Nov", Value: 100, Valid: true},
	}}
	es := parseSVG(t, string(c.SVG()))
	root := es[0].attrs
	if root["role"] != "img" || root["aria-label"] != `Share of "active" users <by day>` || root["viewBox"] != "0 0 360 220" {
		t.Errorf("svg attributes = %v", root)
	}
	// The plot spans x 40..320 and y 12 (100%) .. 192 (0%); five points
	// are 70 apart.
	var got []string
	for _, p := range elements(es, "circle", "chart-point") {
		got = append(got, p.attrs["cx"]+","+p.attrs["cy"])
	}
	want := []string{"40,192", "110,102", "250,147", "320,12"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("points = %v, want %v", got, want)
	}
	// The gap splits the line in two.
	lines := elements(es, "polyline", "chart-line")
	if len(lines) != 2 || lines[0].attrs["points"] != "40,192 110,102" || lines[1].attrs["points"] != "250,147 320,12" {
		t.Errorf("lines = %v", lines)
	}
	// Percent gridlines 0..100 with labels; a short series dates every point.
	var labels []string
	for _, e := range elements(es, "text", "chart-axis") {
		labels = append(labels, e.text)
	}
	if got, want := strings.Join(labels, "|"), "0%|25%|50%|75%|100%|1 Nov|2 Nov|3 Nov|4 Nov|5 Nov"; got != want {
		t.Errorf("axis labels = %s, want %s", got, want)
	}
	if grid := elements(es, "line", "chart-grid"); len(grid) != 5 || grid[2].attrs["y1"] != "102" {
		t.Errorf("gridlines = %v", grid)
	}
	// The last value is labelled beside its point, inside the drawing:
	// left of it (it is at the right edge) and below it (it is at the top).
	if v := elements(es, "text", "chart-value"); len(v) != 1 || v[0].text != "100%" || v[0].attrs["x"] != "312" ||
		v[0].attrs["text-anchor"] != "end" || v[0].attrs["y"] != "32" {
		t.Errorf("value label = %v", v)
	}
}

func TestLineChartOnePoint(t *testing.T) {
	c := lineChart{Summary: "One day", Points: []linePoint{{Label: "9 Nov", Value: 75, Valid: true}}}
	es := parseSVG(t, string(c.SVG()))
	if p := elements(es, "circle", "chart-point"); len(p) != 1 || p[0].attrs["cx"] != "180" || p[0].attrs["cy"] != "57" {
		t.Errorf("point = %v", p)
	}
	if l := elements(es, "polyline", ""); len(l) != 0 {
		t.Errorf("a single point drew a line: %v", l)
	}
}

func TestBarChart(t *testing.T) {
	c := barChart{Summary: "Funnel & friends", Bars: []bar{
		{Label: "Evaluated", Count: 200},
		{Label: "Eligible", Count: 100, Note: "50%"},
		{Label: "Failed <script>", Count: 0, Note: "0%"},
	}}
	es := parseSVG(t, string(c.SVG()))
	if es[0].attrs["role"] != "img" || es[0].attrs["aria-label"] != "Funnel & friends" || es[0].attrs["viewBox"] != "0 0 360 102" {
		t.Errorf("svg attributes = %v", es[0].attrs)
	}
	bars := elements(es, "rect", "chart-bar")
	if len(bars) != 3 {
		t.Fatalf("bars = %v", bars)
	}
	for i, want := range []struct{ y, width string }{{"12", "170"}, {"42", "85"}, {"72", "0"}} {
		if got := bars[i].attrs; got["x"] != "80" || got["y"] != want.y || got["width"] != want.width {
			t.Errorf("bar %d = %v, want y %s width %s", i, got, want.y, want.width)
		}
	}
	var values []string
	for _, e := range elements(es, "text", "chart-value") {
		values = append(values, e.text)
	}
	if got, want := strings.Join(values, "|"), "200|100 (50%)|0 (0%)"; got != want {
		t.Errorf("values = %s, want %s", got, want)
	}
	if l := elements(es, "text", "chart-axis"); len(l) != 3 || l[2].text != "Failed <script>" {
		t.Errorf("labels = %v", l)
	}
}

func TestPercentNeverRoundsToAllOrNone(t *testing.T) {
	for _, tt := range []struct {
		part, whole int
		want        string
	}{
		{0, 0, "—"}, {0, 10, "0%"}, {10, 10, "100%"}, {1, 3, "33%"}, {2, 3, "67%"},
		{199, 200, "99.5%"}, {9999, 10000, "99.9%"}, {1, 200, "1%"}, {1, 500, "0.2%"}, {1, 10000, "<0.1%"},
	} {
		if got := percent(tt.part, tt.whole); got != tt.want {
			t.Errorf("percent(%d, %d) = %q, want %q", tt.part, tt.whole, got, tt.want)
		}
	}
}

func TestLineChartLongSeriesAndWideDrawing(t *testing.T) {
	var points []linePoint
	for i := range 30 {
		points = append(points, linePoint{Label: fmt.Sprintf("%d Nov", i+1), Value: float64(i), Valid: true})
	}
	for _, wide := range []bool{false, true} {
		c := lineChart{Summary: "Thirty days", Points: points, Wide: wide}
		es := parseSVG(t, string(c.SVG()))
		var labels []string
		for _, e := range elements(es, "text", "chart-axis")[5:] {
			labels = append(labels, e.text)
		}
		if got := strings.Join(labels, "|"); got != "1 Nov|16 Nov|30 Nov" {
			t.Errorf("wide %v: dates = %s, want first, middle and last", wide, got)
		}
		width := "360"
		if wide {
			width = "960"
		}
		last := elements(es, "circle", "chart-point")[29].attrs["cx"]
		if es[0].attrs["width"] != width || last != strconv.Itoa(mustAtoi(t, width)-lineRight) {
			t.Errorf("wide %v: width %s, last point at %s; want width %s, last point %d from the edge", wide, es[0].attrs["width"], last, width, lineRight)
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLineChartLoneValueIsALevel(t *testing.T) {
	c := lineChart{Summary: "One day", Points: []linePoint{{Label: "8 Nov"}, {Label: "9 Nov", Value: 100, Valid: true}}}
	es := parseSVG(t, string(c.SVG()))
	level := elements(es, "line", "chart-level")
	if len(level) != 1 || level[0].attrs["x1"] != "40" || level[0].attrs["x2"] != "320" || level[0].attrs["y1"] != "12" {
		t.Errorf("level = %v, want a line across the plot at 100%%", level)
	}
	if v := elements(es, "text", "chart-value"); len(v) != 1 || v[0].attrs["y"] != "32" {
		t.Errorf("value label = %v, want below the top edge", v)
	}
}
