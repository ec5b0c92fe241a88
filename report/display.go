package report

import (
	"maps"
	"strings"
)

// MaxDisplayRunes caps an API string where it is shown to people: a
// 40,000-character app name must not blow up a page or an email.
const MaxDisplayRunes = 200

// DisplayText makes a string from the API safe to show as text in the HTML
// report, the email and its charts. Escaping (html/template, JSON) already
// keeps it from being markup or code; this keeps it from spoofing what is
// around it:
//   - control characters (C0, DEL, C1), including CR and LF that would forge
//     lines in the text email, become spaces;
//   - explicit bidirectional controls are dropped: a right-to-left override
//     would show the figures after "P\u202egnp.exe" reversed (23.0 as
//     0.32), and a stray isolate terminator could end any isolation of ours;
//   - a string with right-to-left letters (or that had bidi controls) is
//     wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, so an
//     Arabic or Hebrew name cannot reorder the figures beside it;
//   - it is cut to MaxDisplayRunes runes, with "…".
func DisplayText(s string) string {
	clean := true
	for _, r := range s {
		if isControl(r) || isBidiControl(r) || isRTL(r) {
			clean = false
			break
		}
	}
	if clean && len(s) <= MaxDisplayRunes { // bytes ≥ runes
		return s
	}
	var b strings.Builder
	isolate := false
	n := 0
	for _, r := range s {
		if n == MaxDisplayRunes {
			b.WriteRune('…')
			break
		}
		switch {
		case isBidiControl(r):
			isolate = true
			continue
		case isControl(r):
			r = ' '
		case isRTL(r):
			isolate = true
		}
		b.WriteRune(r)
		n++
	}
	if isolate {
		return "\u2068" + b.String() + "\u2069"
	}
	return b.String()
}

// isRTL reports letters of the right-to-left scripts (Hebrew, Arabic,
// Syriac, Thaana, N'Ko and their presentation forms, and the historic RTL
// blocks).
func isRTL(r rune) bool {
	return (r >= 0x0590 && r <= 0x08ff) || (r >= 0xfb1d && r <= 0xfdff) || (r >= 0xfe70 && r <= 0xfeff) ||
		(r >= 0x10800 && r <= 0x10fff) || (r >= 0x1e800 && r <= 0x1efff)
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)
}

// isBidiControl reports the explicit directional formatting characters:
// LRM, RLM, ALM, the embeddings and overrides, and the isolates.
func isBidiControl(r rune) bool {
	switch {
	case r == '\u200e', r == '\u200f', r == '\u061c':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// ForDisplay returns a copy of the report whose strings from the API (app
// names, process names, request paths, users, errors, alerts) went through
// DisplayText. The renderers for people (HTML, email, PNG charts) draw from
// it; the JSON document and the workbook keep the API's text as it is.
func ForDisplay(r Report) Report {
	r.Periods = displayPeriods(r.Periods)
	if r.Users != nil {
		users := make([]User, len(r.Users))
		for i, u := range r.Users {
			users[i] = User{ID: DisplayText(u.ID), FullName: DisplayText(u.FullName), Email: DisplayText(u.Email), Image: DisplayText(u.Image)}
		}
		r.Users = users
	}
	r.UsersMissing = DisplayText(r.UsersMissing)
	if r.Alerts != nil {
		alerts := make([]Alert, len(r.Alerts))
		for i, a := range r.Alerts {
			a.App, a.AppID, a.Process = DisplayText(a.App), DisplayText(a.AppID), DisplayText(a.Process)
			a.EnvironmentID = DisplayText(a.EnvironmentID) // as displaySites has it, so AlertKey still matches the row
			alerts[i] = a
		}
		r.Alerts = alerts
	}
	return r
}

func displayPeriods(ps []Period) []Period {
	if ps == nil {
		return nil
	}
	out := make([]Period, len(ps))
	for i, p := range ps {
		p.Apps = displayApps(p.Apps)
		p.Sites = displaySites(p.Sites)
		if p.Previous != nil {
			prev := *p.Previous
			prev.Apps = displayApps(prev.Apps)
			prev.Sites = displaySites(prev.Sites)
			p.Previous = &prev
		}
		out[i] = p
	}
	return out
}

func displayApps(as []App) []App {
	if as == nil {
		return nil
	}
	out := make([]App, len(as))
	for i, a := range as {
		a.ID, a.Name, a.DisplayName = DisplayText(a.ID), DisplayText(a.Name), DisplayText(a.DisplayName)
		if a.Missing != nil {
			missing := make([]Missing, len(a.Missing))
			for j, m := range a.Missing {
				missing[j] = Missing{Metric: m.Metric, Error: DisplayText(m.Error)}
			}
			a.Missing = missing
		}
		metrics := maps.Clone(a.Metrics)
		for k, m := range metrics {
			if m == nil || (len(m.Processes) == 0 && len(m.Rows) == 0 && len(m.Runs) == 0) {
				continue
			}
			mc := *m
			if m.Processes != nil {
				mc.Processes = make([]Process, len(m.Processes))
				for j, p := range m.Processes {
					p.Name = DisplayText(p.Name)
					mc.Processes[j] = p
				}
			}
			if m.Rows != nil {
				mc.Rows = make([]SlowRequest, len(m.Rows))
				for j, row := range m.Rows {
					row.Path = DisplayText(row.Path)
					mc.Rows[j] = row
				}
			}
			if m.Runs != nil {
				mc.Runs = make([]Run, len(m.Runs))
				for j, run := range m.Runs {
					run.ProcessID, run.Plan = DisplayText(run.ProcessID), DisplayText(run.Plan)
					mc.Runs[j] = run
				}
			}
			metrics[k] = &mc
		}
		a.Metrics = metrics
		out[i] = a
	}
	return out
}

// displaySites defuses what the API says of a site, as displayApps does
// for apps: names, environment names and ids, and failure messages.
func displaySites(ss []Site) []Site {
	if ss == nil {
		return nil
	}
	out := make([]Site, len(ss))
	for i, st := range ss {
		st.ID, st.Name, st.DisplayName = DisplayText(st.ID), DisplayText(st.Name), DisplayText(st.DisplayName)
		st.Environment, st.EnvironmentID = DisplayText(st.Environment), DisplayText(st.EnvironmentID)
		st.Missing = displaySiteMissing(st.Missing)
		if st.Usage != nil {
			u := *st.Usage
			u.Errors = displaySiteMissing(u.Errors)
			st.Usage = &u
		}
		out[i] = st
	}
	return out
}

func displaySiteMissing(ms []SiteMissing) []SiteMissing {
	if ms == nil {
		return nil
	}
	out := make([]SiteMissing, len(ms))
	for i, m := range ms {
		out[i] = SiteMissing{Metric: m.Metric, Error: DisplayText(m.Error)}
	}
	return out
}
