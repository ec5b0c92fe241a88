package job

import (
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/kinsta-report/kinsta-report/plan"
	"github.com/kinsta-report/kinsta-report/report"
)

// Check prints what -check can tell beyond the file itself: the config's
// warnings, and each selected report's periods resolved at now (-now, else
// the clock; plan.Check): a custom period that has not begun is a
// problem, one still running or reaching past Kinsta's retention a
// warning. Each prints as FILE:LINE: field.path: message. It says whether
// the config may run.
func Check(w io.Writer, cfg *report.Config, selected []report.ReportConfig, now time.Time) bool {
	var problems []*report.FieldError
	warnings := slices.Clone(cfg.Warnings)
	for _, rc := range selected {
		index := slices.IndexFunc(cfg.Reports, func(c report.ReportConfig) bool { return c.Name == rc.Name })
		p, wn := plan.Check(cfg.File, index, rc, now)
		problems, warnings = append(problems, p...), append(warnings, wn...)
	}
	for _, fe := range slices.Concat(problems, warnings) {
		fmt.Fprintln(w, fe.Error())
	}
	return len(problems) == 0
}
