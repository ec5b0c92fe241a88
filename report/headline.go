package report

// Headline is one figure of a metric that the people-facing summaries (the
// email's table, the chat messages) show per app: bandwidth's total, CPU's
// peak, and so on.
type Headline struct {
	Key    MetricKey
	Title  string // the column's title, e.g. "P95 response"
	Figure string // which figure, e.g. "avg"
	Pick   func(Figures) *float64
}

// PickTotal, PickAverage and PickPeak pick one of a set of figures.
func PickTotal(f Figures) *float64   { return f.Total }
func PickAverage(f Figures) *float64 { return f.Average }
func PickPeak(f Figures) *float64    { return f.Peak }

var headlines = []Headline{
	{Bandwidth, "Bandwidth", "total", PickTotal},
	{HTTPRequests, "Requests", "avg per min", PickAverage},
	{ResponseTimeAvg, "Response", "avg", PickAverage},
	{ResponseTimeP95, "P95 response", "avg", PickAverage},
	{CPUUsage, "CPU", "peak", PickPeak},
	{MemoryUsage, "Memory", "peak", PickPeak},
	{BuildTime, "Build time", "total", PickTotal},
}

// Headlines returns the headline columns in the order summaries show them.
func Headlines() []Headline { return append([]Headline(nil), headlines...) }

// SummaryFigures are a summary's headline figures.
func SummaryFigures(s Summary) Figures {
	return Figures{Total: s.Total, Average: s.Average, Peak: s.Peak}
}

// HeadlineState says what a headline figure of an app holds.
type HeadlineState int

const (
	// HeadlineValue: Current holds the figure.
	HeadlineValue HeadlineState = iota
	// HeadlineNA: the metric was not asked for or does not apply.
	HeadlineNA
	// HeadlineMissing: the metric could not be fetched.
	HeadlineMissing
	// HeadlineNoData: the metric was fetched and holds no figure.
	HeadlineNoData
)

// HeadlineFigure is an app's figure for one headline column, with what its
// change needs.
type HeadlineFigure struct {
	State             HeadlineState
	Current, Previous *float64
	// Process names the process whose figure it is, for per-process
	// metrics; Processes is how many the metric has.
	Process   string
	Processes int
	// Compared says the period was compared with its previous period;
	// Reason, when set, says why the change is withheld (GateChanges) and
	// is shown instead of it.
	Compared bool
	Reason   string
}

// Of is the app's figure for h. For per-process metrics (CPU, memory) it is
// the highest of any process, compared with the highest of the previous
// period.
func (h Headline) Of(a App) HeadlineFigure {
	m, ok := a.Metrics[h.Key]
	if !ok || m == nil {
		for _, ms := range a.Missing {
			if ms.Metric == h.Key {
				return HeadlineFigure{State: HeadlineMissing}
			}
		}
		return HeadlineFigure{State: HeadlineNA}
	}
	var f HeadlineFigure
	info, _ := Info(h.Key)
	if info.Kind == KindProcesses {
		f.Processes = len(m.Processes)
		for _, pr := range m.Processes {
			if x := h.Pick(SummaryFigures(pr.Summary)); x != nil && (f.Current == nil || *x > *f.Current) {
				f.Current, f.Process = F(*x), pr.Name
			}
			if ch := pr.Summary.Change; ch != nil {
				f.Compared, f.Reason = true, ch.Reason
				if x := h.Pick(ch.Previous); x != nil && (f.Previous == nil || *x > *f.Previous) {
					f.Previous = F(*x)
				}
			}
		}
	} else {
		f.Current = h.Pick(SummaryFigures(m.Summary))
		if ch := m.Summary.Change; ch != nil {
			f.Compared, f.Reason, f.Previous = true, ch.Reason, h.Pick(ch.Previous)
		}
	}
	if f.Current == nil {
		f.State = HeadlineNoData
	}
	return f
}
