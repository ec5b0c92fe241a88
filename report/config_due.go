// The rules of a report's due dates in reports.yaml: `catch_up` (how many
// missed due dates one run produces) and `every` (the cadence, when not
// the first period's). plan.DueDates resolves them; see "State: history
// and the send ledger" in docs/reference.md.

package report

// DefaultCatchUp is how many missed due dates one run produces, oldest
// first, when catch_up is not set.
const DefaultCatchUp = 4

// Cadences of `every`.
const (
	EveryDay   = "day"
	EveryWeek  = "week"
	EveryMonth = "month"
)

// due checks catch_up and every of the report at p and sets them on r
// (after r.Periods).
func (v *validator) due(p string, raw *rawReport, r *ReportConfig) {
	r.CatchUp = DefaultCatchUp
	if raw.CatchUp != nil {
		if n := *raw.CatchUp; n < 0 {
			v.errorf(p+".catch_up", "%d is negative (want 0 for no catch-up, or how many missed due dates one run may produce; default %d)", n, DefaultCatchUp)
		} else {
			r.CatchUp = n
		}
	}
	switch raw.Every {
	case "":
	case EveryDay, EveryWeek, EveryMonth:
		r.Every = raw.Every
		if len(r.Periods) > 0 && r.Periods[0].Start != "" {
			v.errorf(p+".every", "every: %s with the custom period %q first: a custom period is due once, when it ends (want every removed, or a named period first)", raw.Every, r.Periods[0].Name)
		}
	default:
		v.errorf(p+".every", "unknown cadence %q (want one of: day, week, month; default: the cadence of the first period)", raw.Every)
	}
}
