package notify

import (
	"fmt"
	"strings"

	"github.com/kinsta-report/kinsta-report/report"
)

// JobSummary is the Markdown for a GitHub Actions job summary (appended to
// the file $GITHUB_STEP_SUMMARY names): the alerts, a table of the
// headline figures per period, the data that could not be fetched, the
// notes, the API accounting and where the full report is. Every string
// from the API goes through MarkdownEscape.
func JobSummary(r report.Report, link string) string {
	d := newDigest(r)
	m := MarkdownEscape
	var b strings.Builder
	fmt.Fprintf(&b, "## Kinsta report: %s\n\n", m(d.Report))
	if d.Generated != "" {
		fmt.Fprintf(&b, "Generated %s.\n\n", m(d.Generated))
	}
	if len(d.Alerts) > 0 {
		fmt.Fprintf(&b, "### 🚨 %s\n\n", m(d.AlertHeadline))
		for _, a := range d.Alerts {
			fmt.Fprintf(&b, "- **%s**: %s\n", m(a.App), m(a.Text))
		}
		b.WriteString("\n")
	} else {
		b.WriteString("No threshold crossed.\n\n")
	}
	for _, p := range d.Periods {
		fmt.Fprintf(&b, "### %s: %s\n\n", m(p.Title), m(p.Range))
		if p.Previous != "" {
			fmt.Fprintf(&b, "Change against %s.\n\n", m(p.Previous))
		}
		if len(p.Apps) == 0 && len(p.Sites) == 0 {
			b.WriteString("No applications.\n\n")
		}
		for _, tbl := range []struct {
			head string
			rows []appRow
		}{{"App", p.Apps}, {"Site", p.Sites}} {
			if len(tbl.rows) == 0 {
				continue
			}
			fmt.Fprintf(&b, "| %s |", tbl.head)
			for _, c := range tbl.rows[0].Cells {
				fmt.Fprintf(&b, " %s (%s) |", c.Title, c.Figure)
			}
			b.WriteString("\n|---|")
			for range tbl.rows[0].Cells {
				b.WriteString("--:|")
			}
			b.WriteString("\n")
			for _, a := range tbl.rows {
				label := m(a.Label)
				if a.Alerted {
					label = "⚠️ " + label
				}
				if a.Name != "" {
					label += " (" + m(a.Name) + ")"
				}
				fmt.Fprintf(&b, "| %s |", label)
				for _, c := range a.Cells {
					v := m(c.Value)
					if c.Change != "" {
						v += " " + m(c.Change)
					}
					// No-break spaces keep "22.9 GB ▲ +25.0%" on one line.
					fmt.Fprintf(&b, " %s |", strings.ReplaceAll(v, " ", "\u00a0"))
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		}
		if len(p.Missing) > 0 {
			fmt.Fprintf(&b, "**Missing data:** %s.\n\n", m(missingSummary(p.Missing)))
			for _, ms := range p.Missing {
				fmt.Fprintf(&b, "- %s, %s: %s\n", m(ms.App), m(ms.Metric), m(ms.Error))
			}
			b.WriteString("\n")
		}
		for _, n := range p.Notes {
			fmt.Fprintf(&b, "> %s\n\n", m(n))
		}
	}
	for _, n := range d.Notes {
		fmt.Fprintf(&b, "> %s\n\n", m(n))
	}
	if link != "" {
		if u := httpLink(link); u != "" {
			fmt.Fprintf(&b, "Full report: <%s>\n\n", u)
		} else {
			fmt.Fprintf(&b, "Full report: %s\n\n", m(report.DisplayText(link)))
		}
	}
	fmt.Fprintf(&b, "<sub>%s</sub>\n", m(apiLine(d.API)))
	return b.String()
}
