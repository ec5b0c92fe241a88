package deliver

import (
	"fmt"
	"strings"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// formatSize shows a byte count of a file or message.
func formatSize(n int64) string { return report.FormatValue(report.UnitBytes, float64(n)) }

// periodTitle turns a named period into a heading (previous_week →
// Previous week, last_30_days → Last 30 days) and keeps a custom period's
// name as written (black-friday stays black-friday).
func periodTitle(name string) string {
	if !report.IsNamedPeriod(name) {
		return name
	}
	s := strings.ReplaceAll(name, "_", " ")
	r := []rune(s)
	r[0] = []rune(strings.ToUpper(string(r[0])))[0]
	return string(r)
}

const dateLayout = "2006-01-02"

// periodRange shows a period's days, inclusive: 2026-11-16 to 2026-11-22
// (7 days). A period that does not end at local midnight shows its end
// time.
func periodRange(p report.Period, loc *time.Location) string {
	start := p.Start.In(loc)
	end := p.End.In(loc)
	if !end.Equal(report.LocalMidnight(end, loc)) {
		return fmt.Sprintf("%s to %s", start.Format("2006-01-02 15:04"), end.Format("2006-01-02 15:04"))
	}
	last := report.LastDay(p.End, loc)
	days := 0
	for d := report.LocalMidnight(start, loc); d.Before(end); d = d.AddDate(0, 0, 1) {
		days++
	}
	unit := "days"
	if days == 1 {
		unit = "day"
	}
	if start.Format(dateLayout) == last.Format(dateLayout) {
		return fmt.Sprintf("%s (1 day)", start.Format(dateLayout))
	}
	return fmt.Sprintf("%s to %s (%d %s)", start.Format(dateLayout), last.Format(dateLayout), days, unit)
}
