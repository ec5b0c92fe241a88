// The rules of one report of reports.yaml: its name, apps, periods,
// metrics, email and thresholds. The top-level rules are in
// config_rules.go.

package report

import (
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// report checks one report and applies its defaults.
func (v *validator) report(p string, raw *rawReport, cfg *Config, firstLine map[string]int) ReportConfig {
	r := ReportConfig{Name: raw.Name, Line: v.line(p)}

	switch {
	case raw.Name == "":
		v.errorf(p+".name", "missing (want a unique name of lowercase letters, digits and dashes, e.g. weekly-ops; it is used in file names)")
	case !reportNameRE.MatchString(raw.Name) || len(raw.Name) > maxReportName:
		v.errorf(p+".name", "unsafe report name %q (want lowercase letters, digits and dashes, starting with a letter or digit, at most %d characters, e.g. weekly-ops; it is used in file names)", raw.Name, maxReportName)
	default:
		if first, dup := firstLine[raw.Name]; dup {
			v.errorf(p+".name", "duplicate report name %q (first used at line %d; want each name once, it is used in file names)", raw.Name, first)
		} else {
			firstLine[raw.Name] = v.line(p + ".name")
		}
	}

	r.Timezone, r.Location = cfg.Timezone, cfg.Location
	if raw.Timezone != "" {
		loc, err := loadZone(raw.Timezone)
		if err != nil {
			v.errorf(p+".timezone", "%v", err)
			loc = cfg.Location
		}
		r.Timezone, r.Location = raw.Timezone, loc
	}

	r.Apps, r.AppLines, r.AllApps = v.apps(p+".apps", &raw.Apps)
	v.sites(p, raw, &r) // config_sites.go: sites, environments
	r.Periods = v.periods(p+".periods", &raw.Periods, r.Location)

	r.Interval = raw.Interval
	switch r.Interval {
	case "":
		r.Interval = IntervalAuto
	case IntervalAuto, Interval1h, Interval6h, Interval1d:
	default:
		v.errorf(p+".interval", "bad interval %q (want one of: auto, 1h, 6h, 1d)", raw.Interval)
	}

	r.Metrics = v.metrics(p+".metrics", &raw.Metrics)

	r.SlowestRequestsLimit = DefaultSlowestRequestsLimit
	if raw.SlowestRequestsLimit != nil {
		if n := *raw.SlowestRequestsLimit; n < 1 {
			v.errorf(p+".slowest_requests_limit", "%d is too small (want 1 or more, default %d)", n, DefaultSlowestRequestsLimit)
		} else {
			r.SlowestRequestsLimit = n
		}
	}

	r.Users = raw.Users == nil || *raw.Users
	r.Compare = raw.ComparePrevious == nil || *raw.ComparePrevious
	v.due(p, raw, &r)

	if raw.Email != nil {
		r.Email = v.email(p+".email", raw.Email)
		if cfg.SMTP == nil {
			v.errorf(p+".email", "email needs the top-level smtp block to send (want smtp: with host, port, from, ...; or remove email)")
		}
	}

	for k, tp := range v.listItems(p+".thresholds", len(raw.Thresholds), true, "a threshold with metric and above") {
		if IsSiteThresholdMetric(raw.Thresholds[k].Metric) { // config_sites.go
			if t, ok := v.siteThreshold(tp, &raw.Thresholds[k], r); ok {
				r.Thresholds = append(r.Thresholds, t)
			}
			continue
		}
		if r.NoApps && raw.Thresholds[k].Metric != "" { // config_sites.go
			v.errorf(tp+".metric", "%s is an application metric but the report names only sites, so it is never checked (want apps beside sites, or a site metric: %s)", raw.Thresholds[k].Metric, siteThresholdList())
			continue
		}
		if t, ok := v.threshold(tp, &raw.Thresholds[k], r.Metrics, r.Apps); ok {
			r.Thresholds = append(r.Thresholds, t)
		}
	}

	r.Notify = v.notify(p+".notify", raw.Notify)

	r.Send = raw.Send
	switch r.Send {
	case "":
		r.Send = SendAlways
	case SendAlways:
	case SendOnAlert:
		if raw.Email == nil {
			v.errorf(p+".send", "on_alert needs email (want an email block, or remove send)")
		} else if len(raw.Thresholds) == 0 {
			v.errorf(p+".send", "on_alert needs thresholds: without them nothing crosses and the email never goes out (want thresholds, or send: always)")
		}
	default:
		v.errorf(p+".send", "unknown send mode %q (want one of: always, on_alert)", raw.Send)
	}
	return r
}

// apps reads `apps`: all (the default) or a list of apps.
func (v *validator) apps(p string, n *yaml.Node) ([]string, []int, bool) {
	n = deref(n)
	switch {
	case isNull(n):
		return nil, nil, true
	case n.Kind == yaml.ScalarNode && n.Value == "all":
		return nil, nil, true
	case n.Kind != yaml.SequenceNode:
		v.errorf(p, "want all or a list of apps (each an app's id, name or display_name, e.g. [shop]), got %s", describeNode(n))
		return nil, nil, false
	}
	var apps []string
	var lines []int
	seen := map[string]bool{}
	for j, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", p, j)
		item = deref(item)
		switch {
		case item.Kind != yaml.ScalarNode || isNull(item) || strings.TrimSpace(item.Value) == "":
			v.errorf(ip, "want an app's id, name or display_name, got %s", describeNode(item))
		case item.Value == "all":
			v.errorf(ip, "all in a list (want apps: all, or a list of apps)")
		case seen[strings.ToLower(item.Value)]:
			v.errorf(ip, "app %q is listed twice (want each app once) (apps match in any case)", item.Value)
		default:
			seen[strings.ToLower(item.Value)] = true
			apps = append(apps, item.Value)
			lines = append(lines, item.Line)
		}
	}
	return apps, lines, len(apps) == 0
}

// periods reads `periods`: a list of named periods and custom
// {name, start, end} ranges, checked in loc.
func (v *validator) periods(p string, n *yaml.Node, loc *time.Location) []PeriodSpec {
	n = deref(n)
	if isNull(n) {
		v.errorf(p, "missing (want a list of periods such as [previous_week, last_30_days])")
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		hint := "[previous_week]"
		if n.Kind == yaml.ScalarNode && IsNamedPeriod(n.Value) {
			hint = "[" + n.Value + "]"
		}
		v.errorf(p, "want a list of periods such as %s, got %s", hint, describeNode(n))
		return nil
	}
	if len(n.Content) == 0 {
		v.errorf(p, "no periods (want at least one, e.g. [previous_week])")
	}
	var specs []PeriodSpec
	seen := map[string]int{}
	for j, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", p, j)
		spec, ok := v.period(ip, deref(item), loc)
		if !ok {
			continue
		}
		if first, dup := seen[spec.Name]; dup {
			v.errorf(ip, "duplicate period %q (first at line %d; want each period once)", spec.Name, first)
			continue
		}
		seen[spec.Name] = spec.Line
		specs = append(specs, spec)
	}
	return specs
}

func (v *validator) period(p string, n *yaml.Node, loc *time.Location) (PeriodSpec, bool) {
	spec := PeriodSpec{Line: n.Line}
	switch n.Kind {
	case yaml.ScalarNode:
		spec.Name = n.Value
		if !IsNamedPeriod(n.Value) {
			v.errorf(p, "unknown period %q (%s)", n.Value, periodNamesHint)
			return spec, false
		}
		return spec, true
	case yaml.MappingNode:
	default:
		v.errorf(p, "want a period name or {name, start, end}, got %s", describeNode(n))
		return spec, false
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], deref(n.Content[i+1])
		kp := p + "." + k.Value
		var dst *string
		switch k.Value {
		case "name":
			dst = &spec.Name
		case "start":
			dst = &spec.Start
		case "end":
			dst = &spec.End
		default:
			v.errorf(kp, "%s", unknownKeyMsg(k.Value, []string{"name", "start", "end"}, kp))
			ok = false
			continue
		}
		if val.Kind != yaml.ScalarNode || isNull(val) {
			v.errorf(kp, "want a string, got %s", describeNode(val))
			ok = false
			continue
		}
		*dst = val.Value
	}
	if !ok {
		return spec, false
	}
	switch {
	case spec.Name == "":
		v.errorf(p+".name", "missing (want a name for the custom period, e.g. april)")
		ok = false
	case IsNamedPeriod(spec.Name):
		v.errorf(p+".name", "%q is a named period (want another name for a custom range, or just %s)", spec.Name, spec.Name)
		ok = false
	case strings.ContainsFunc(spec.Name, func(r rune) bool { return r < ' ' }):
		v.errorf(p+".name", "control characters in the name (want a plain name, e.g. april)")
		ok = false
	}
	var start, end time.Time
	var endDate bool
	var err error
	if spec.Start == "" {
		v.errorf(p+".start", "missing (want a date such as 2024-04-20 or an RFC 3339 time)")
		ok = false
	} else if start, _, err = parsePeriodTime(spec.Start, loc); err != nil {
		v.errorf(p+".start", "%v", err)
		ok = false
	}
	if spec.End == "" {
		v.errorf(p+".end", "missing (want a date such as 2024-04-28, which includes that day, or an exclusive RFC 3339 time)")
		ok = false
	} else if end, endDate, err = parsePeriodTime(spec.End, loc); err != nil {
		v.errorf(p+".end", "%v", err)
		ok = false
	}
	if !ok {
		return spec, false
	}
	if endDate {
		y, m, d := end.Date()
		end = dayStart(y, m, d+1, loc)
	}
	if !end.After(start) {
		rel := "is before"
		if end.Equal(start) {
			rel = "equals"
		}
		v.errorf(p+".end", "end %s %s start %s (want an end after the start; a date-only end includes that whole day)", spec.End, rel, spec.Start)
		return spec, false
	}
	return spec, true
}

// metrics reads `metrics`: all (the default) or a list of metric keys,
// returned in contract order.
func (v *validator) metrics(p string, n *yaml.Node) []MetricKey {
	n = deref(n)
	switch {
	case isNull(n):
		return AllMetrics()
	case n.Kind == yaml.ScalarNode && n.Value == "all":
		return AllMetrics()
	case n.Kind != yaml.SequenceNode:
		hint := ""
		if _, ok := Info(MetricKey(n.Value)); ok && n.Kind == yaml.ScalarNode {
			hint = fmt.Sprintf(", e.g. [%s]", n.Value)
		}
		v.errorf(p, "want all or a list of metric keys%s, got %s", hint, describeNode(n))
		return AllMetrics()
	}
	if len(n.Content) == 0 {
		v.errorf(p, "no metrics (want all, or a list of: %s)", metricList())
	}
	want := map[MetricKey]bool{}
	for j, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", p, j)
		item = deref(item)
		k := MetricKey(item.Value)
		switch _, known := Info(k); {
		case item.Kind != yaml.ScalarNode:
			v.errorf(ip, "want a metric key, got %s", describeNode(item))
		case !known:
			v.errorf(ip, "unknown metric %q (want one of: %s)", item.Value, metricList())
		case want[k]:
			v.errorf(ip, "metric %s is listed twice (want each metric once)", k)
		default:
			want[k] = true
		}
	}
	var keys []MetricKey
	for _, k := range AllMetrics() {
		if want[k] {
			keys = append(keys, k)
		}
	}
	return keys
}

func (v *validator) email(p string, raw *rawEmail) *EmailConfig {
	e := &EmailConfig{To: raw.To, Cc: raw.Cc, Bcc: raw.Bcc, Subject: DefaultSubject}
	if len(raw.To) == 0 {
		v.errorf(p+".to", "no recipients (want a list of addresses, e.g. [ops@example.com])")
	}
	for _, list := range []struct {
		key   string
		addrs []string
	}{{"to", raw.To}, {"cc", raw.Cc}, {"bcc", raw.Bcc}} {
		paths := v.listItems(p+"."+list.key, len(list.addrs), false, "an email address")
		for j, a := range list.addrs {
			if _, err := mail.ParseAddress(a); err != nil {
				v.errorf(paths[j], "bad email address %q: %v (want e.g. ops@example.com or \"Ops <ops@example.com>\")", a, err)
			}
		}
	}
	if raw.Subject != nil {
		e.Subject = *raw.Subject
		if strings.TrimSpace(e.Subject) == "" {
			v.errorf(p+".subject", "empty subject (want e.g. %q, or leave subject out)", DefaultSubject)
		} else if strings.ContainsAny(e.Subject, "\r\n") {
			v.errorf(p+".subject", "line break in the subject (want one line)")
		} else if _, err := e.RenderSubject(SubjectData{Report: "r", Period: "p", Start: "s", End: "e"}); err != nil {
			v.errorf(p+".subject", "%v (want a text/template such as %q, with .Report, .Period, .Start, .End and .Alerts)",
				strings.TrimPrefix(err.Error(), "email subject: "), DefaultSubject)
		}
	}
	return e
}

func (v *validator) threshold(p string, raw *rawThreshold, metrics []MetricKey, reportApps []string) (Threshold, bool) {
	t := Threshold{Metric: MetricKey(raw.Metric), On: raw.On, Apps: raw.Apps, Line: v.line(p)}
	if t.On == "" {
		t.On = OnPeak
	}
	ok := true
	info, known := Info(t.Metric)
	switch {
	case raw.Metric == "":
		v.errorf(p+".metric", "missing (want one of: %s)", metricList())
		ok = false
	case !known:
		v.errorf(p+".metric", "unknown metric %q (want one of: %s%s)", raw.Metric, metricList(), siteMetricHint(raw.Metric))
		ok = false
	case !slices.Contains(metrics, t.Metric):
		v.errorf(p+".metric", "%s is not among the report's metrics, so it is never fetched (want it in metrics, or metrics: all)", t.Metric)
		ok = false
	}

	switch t.On {
	case OnPeak, OnAverage, OnTotal, OnAnyBucket:
		if known {
			if modes := thresholdModes(info); !slices.Contains(modes, t.On) {
				onPath, what := p+".on", fmt.Sprintf("on %s", t.On)
				if raw.On == "" {
					onPath, what = p, "on peak (the default)"
				}
				v.errorf(onPath, "%s does not apply to %s: %s (want on: %s)", what, t.Metric, modeReason(info, t.On), strings.Join(modes, " or "))
				ok = false
			}
		}
	default:
		v.errorf(p+".on", "unknown on %q (want one of: peak, average, total, any_bucket; default peak)", raw.On)
		ok = false
	}

	if isNull(&raw.Above) {
		hint := "want a number in the metric's unit"
		if known {
			hint = unitHint(info.Unit)
		}
		v.errorf(p+".above", "missing (%s)", hint)
		ok = false
	} else if known {
		t.Raw = raw.Above.Value
		if pct, isOfLimit, err := parseOfLimit(raw.Above.Value); isOfLimit {
			switch {
			case err != nil:
				v.errorf(p+".above", "%v", err)
				ok = false
			case info.Kind != KindProcesses:
				v.errorf(p+".above", "%q: only cpu_usage and memory_usage have a plan limit (want a value in the unit of %s: %s)", raw.Above.Value, t.Metric, unitHint(info.Unit))
				ok = false
			default:
				t.Above, t.OfLimit = pct, true
			}
		} else {
			val, err := scalarValue(&raw.Above)
			if err == nil {
				t.Above, _, err = ParseLimit(t.Metric, val)
			}
			if err != nil {
				v.errorf(p+".above", "%v", err)
				ok = false
			}
		}
	}

	if len(raw.Sites) > 0 {
		v.errorf(p+".sites", "sites on an application threshold (want apps here, or a site metric: %s)", siteThresholdList())
		ok = false
	}
	paths := v.listItems(p+".apps", len(raw.Apps), false, "an app's id, name or display_name")
	for j, a := range raw.Apps {
		t.AppLines = append(t.AppLines, v.line(paths[j]))
		switch {
		case strings.TrimSpace(a) == "":
			v.errorf(paths[j], "empty app (want an app's id, name or display_name)")
			ok = false
		case len(reportApps) > 0 && !slices.ContainsFunc(reportApps, func(r string) bool { return strings.EqualFold(r, a) }):
			// The report's entries may name the same app by another of its
			// names (id, name, display_name): only the run, which has the
			// apps, can tell; it refuses to start when none matches.
			v.warnf(paths[j], "app %q is not among the report's apps as written (%s): unless it is another name of one of them, the threshold never runs for it", a, quoteList(reportApps))
		}
	}
	return t, ok
}

// thresholdModes are the threshold modes (on) a metric has: the summary
// figures the contract gives it (MetricInfo HasPeak, HasAverage,
// HasTotal), and any_bucket for time series. slowest_requests has only
// peak: its slowest request.
func thresholdModes(info MetricInfo) []string {
	if info.Kind == KindRows {
		return []string{OnPeak}
	}
	var modes []string
	if info.HasPeak {
		modes = append(modes, OnPeak)
	}
	if info.HasAverage {
		modes = append(modes, OnAverage)
	}
	if info.HasTotal {
		modes = append(modes, OnTotal)
	}
	if info.Kind == KindSeries || info.Kind == KindProcesses {
		modes = append(modes, OnAnyBucket)
	}
	return modes
}

// modeReason says why a mode does not apply to a metric.
func modeReason(info MetricInfo, on string) string {
	switch {
	case info.Kind == KindRows:
		return "its only figure is the slowest request's time"
	case on == OnAnyBucket:
		return "it has no buckets"
	case on == OnTotal && info.Unit == UnitPercent:
		return "a sum of percentages means nothing"
	case on == OnTotal:
		return "a sum of its buckets means nothing"
	}
	return "the report gives it no " + on
}

var ofLimitRE = regexp.MustCompile(`(?i)^\s*(.*?)\s*%\s*of\s+(?:the\s+)?(?:plan\s+)?limits?\s*$`)

// parseOfLimit parses "90% of limit": the percentage, and whether s has
// that form at all.
func parseOfLimit(s string) (float64, bool, error) {
	m := ofLimitRE.FindStringSubmatch(s)
	if m == nil {
		return 0, false, nil
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, true, fmt.Errorf("%q: want a positive percentage of the plan limit, e.g. 90%% of limit", s)
	}
	return f, true, nil
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
