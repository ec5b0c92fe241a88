package plan

import (
	"fmt"
	"time"

	"github.com/kinsta-report/kinsta-report/report"
)

// retentionNotes are what a window and its previous window say about
// Kinsta's analytics retention: the one place these wordings live.
type retentionNotes struct {
	report, window []string
	// keepPrevious is false when the previous window lies wholly past
	// retention: there is nothing to compare against.
	keepPrevious bool
}

// retention decides the retention notes of w and prev (nil when w is not
// compared) at now.
func retention(w, prev *Window, now time.Time) retentionNotes {
	var r retentionNotes
	if PastRetention(w.Start, now) {
		note := fmt.Sprintf("%s starts %s, further back than the %d days Kinsta keeps analytics: its first days may be empty.",
			w.Period, w.Start.Format("2006-01-02"), report.RetentionDays)
		r.report = append(r.report, note)
		r.window = append(r.window, note)
	}
	if prev == nil {
		return r
	}
	last := report.LastDay(prev.End, prev.loc())
	switch {
	case PastRetention(last, now):
		// Even its last instant is past retention: Kinsta has no data for it.
		r.window = append(r.window, fmt.Sprintf("No change against the previous period: %s to %s lies beyond Kinsta's %d-day retention.",
			prev.Start.Format("2006-01-02"), last.Format("2006-01-02"), report.RetentionDays))
	default:
		r.keepPrevious = true
		if PastRetention(prev.Start, now) {
			r.window = append(r.window, fmt.Sprintf("The previous period (%s to %s) reaches back past Kinsta's %d-day retention: its figures may be incomplete.",
				prev.Start.Format("2006-01-02"), last.Format("2006-01-02"), report.RetentionDays))
		}
	}
	return r
}

// PastRetention says whether an instant lies further back from now than
// Kinsta keeps analytics (report.RetentionDays).
func PastRetention(t, now time.Time) bool { return report.BeyondRetention(t, now) }
