package sheet

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Column widths are measured, not guessed: each column is as wide as its
// longest cell as shown (a number in its format, a date in its format, a
// string as is), within [minColWidth, maxColWidth]; a header may wrap onto
// up to headerLines lines, so it asks only for a third of its length (and
// its longest word). A longer string is cut off by its neighbour on screen
// but never overlaps it in print, because the neighbour is never empty in a
// table.
const (
	minColWidth = 6
	maxColWidth = 60
	headerLines = 3
	// widthPad is what a column needs beyond its characters: the cell's
	// margins, and the filter button on header cells.
	widthPad = 2
)

// widths measures the columns of a table.
type widths struct {
	b    *book
	w    []float64 // characters, before padding
	fmts []string  // number format per column (for unstyled numbers)
}

func (b *book) newWidths(n int, colStyles []int) *widths {
	m := &widths{b: b, w: make([]float64, n), fmts: make([]string, n)}
	for i := range n {
		if i < len(colStyles) {
			m.fmts[i] = b.styleFormat(colStyles[i])
		}
	}
	return m
}

// header measures a header row: wrapped onto up to headerLines lines.
func (m *widths) header(heads []string) {
	for i, h := range heads {
		longestWord := 0.0
		for _, w := range strings.Fields(h) {
			longestWord = max(longestWord, textWidth(w))
		}
		m.see(i, max(longestWord, math.Ceil(textWidth(h)/headerLines))*1.1) // bold
	}
}

// row measures a data row.
func (m *widths) row(cells []any) {
	for i, c := range cells {
		m.see(i, m.b.cellWidth(c, m.fmt(i)))
	}
}

func (m *widths) fmt(i int) string {
	if i < len(m.fmts) {
		return m.fmts[i]
	}
	return ""
}

func (m *widths) see(i int, w float64) {
	for len(m.w) <= i {
		m.w = append(m.w, 0)
		m.fmts = append(m.fmts, "")
	}
	m.w[i] = max(m.w[i], w)
}

// result is the column widths, padded and capped.
func (m *widths) result() []float64 {
	out := make([]float64, len(m.w))
	for i, w := range m.w {
		out[i] = colWidth(w)
	}
	return out
}

// colWidth is the width of a column whose longest cell is w characters.
func colWidth(w float64) float64 {
	return math.Min(maxColWidth, math.Max(minColWidth, math.Ceil(w+widthPad)))
}

// textWidth is how many character widths s takes: wide (East Asian and
// emoji) characters count twice.
func textWidth(s string) float64 {
	n := 0.0
	for _, r := range s {
		switch {
		case r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) ||
			(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
			(r >= 0xffe0 && r <= 0xffe6) || r >= 0x1f300):
			n += 2
		case r < 0x20:
		default:
			n++
		}
	}
	return n
}

// styleFormat is the number format of a style made by this package, or "".
func (b *book) styleFormat(style int) string {
	if style == 0 {
		return ""
	}
	for f, id := range b.numStyles {
		if id == style {
			return f
		}
	}
	switch style {
	case b.st.dateHour:
		return "yyyy-mm-dd hh:mm"
	case b.st.dateDay:
		return "yyyy-mm-dd ddd"
	case b.st.dateTime:
		return "yyyy-mm-dd hh:mm:ss"
	case b.st.count:
		return "#,##0"
	case b.st.number:
		return "#,##0.##"
	case b.st.change:
		return "+0.0%;-0.0%;0.0%"
	case b.st.share:
		return "0.0%"
	}
	return ""
}

// cellWidth is how many characters a cell shows, formatted with its style's
// number format, or format when it has none.
func (b *book) cellWidth(v any, format string) float64 {
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		return textWidth(x)
	case excelize.Cell:
		if f := b.styleFormat(x.StyleID); f != "" {
			format = f
		}
		w := b.cellWidth(x.Value, format)
		if x.StyleID == b.st.title || x.StyleID == b.st.subtitle {
			return 0 // titles run on over the empty cells to their right
		}
		return w
	case time.Time:
		if format == "" {
			format = "yyyy-mm-dd hh:mm:ss"
		}
		return float64(utf8.RuneCountInString(format))
	case float64:
		return numberWidth(x, format)
	case int:
		return numberWidth(float64(x), format)
	case int64:
		return numberWidth(float64(x), format)
	}
	return 0
}

// numberWidth is how many characters v takes in an Excel number format of
// the kinds this package uses (#,##0.00, 0.0%, +0.0%;-0.0%).
func numberWidth(v float64, format string) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	if format == "" {
		format = "General"
	}
	sec := strings.Split(format, ";")[0]
	pct := strings.Contains(sec, "%")
	if pct {
		v *= 100
	}
	dec := 0
	if i := strings.IndexByte(sec, '.'); i >= 0 {
		for _, c := range sec[i+1:] {
			if c == '0' || c == '#' {
				dec++
			}
		}
	}
	if format == "General" {
		dec = 2
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', dec, 64)
	intPart := s
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart = s[:i]
	}
	n := float64(len(s))
	if strings.Contains(sec, ",") {
		n += float64((len(intPart) - 1) / 3)
	}
	if v < 0 || strings.HasPrefix(sec, "+") {
		n++
	}
	if pct {
		n++
	}
	return n
}
