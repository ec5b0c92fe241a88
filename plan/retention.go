package plan

import (
	"fmt"
	"slices"
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
	// dropNote is the window note saying why there is no previous window.
	dropNote string
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
		r.dropNote = fmt.Sprintf("No change against the previous period: %s to %s lies beyond Kinsta's %d-day retention.",
			prev.Start.Format("2006-01-02"), last.Format("2006-01-02"), report.RetentionDays)
		r.window = append(r.window, r.dropNote)
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

// RestorePrevious compares w against PastRetention after all, for a run
// whose history holds that window: its note saying there is no change
// gives way to one saying where the figures come from. It does nothing
// when w has no PastRetention.
func (w *Window) RestorePrevious() {
	prev := w.PastRetention
	if prev == nil {
		return
	}
	w.Previous, w.PastRetention = prev, nil
	if i := slices.Index(w.Notes, w.dropNote); i >= 0 {
		w.Notes = slices.Delete(w.Notes, i, i+1)
	}
	w.Notes = append(w.Notes, fmt.Sprintf("The previous period (%s to %s) lies beyond Kinsta's %d-day retention: it is served from the history in the state folder.",
		prev.Start.Format("2006-01-02"), report.LastDay(prev.End, prev.loc()).Format("2006-01-02"), report.RetentionDays))
	w.dropNote = ""
}
