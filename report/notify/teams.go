package notify

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kinsta-report/kinsta-report/report"
)

// TeamsMaxBytes is the size a Teams message may have: "about 28 KB"
// (Microsoft's documented limit for a workflow posting a card; larger
// ones fail with 413). TeamsBudget, what TeamsPayload aims at, leaves a
// margin: posters report failures from about 21 KB.
const (
	TeamsMaxBytes = 28 * 1024
	TeamsBudget   = 20 * 1024
)

// AdaptiveCardVersion is the card schema version TeamsPayload writes (Teams
// renders 1.5; 1.4 keeps older clients and the mobile apps).
const AdaptiveCardVersion = "1.4"

type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"`
	Content     adaptiveCard `json:"content"`
}

type adaptiveCard struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Body    []cardElement  `json:"body"`
	Actions []cardAction   `json:"actions,omitempty"`
	MSTeams map[string]any `json:"msteams,omitempty"`
}

// cardElement is a RichTextBlock or a Container. Every text is a TextRun,
// which takes no Markdown: names from the API show as they are.
type cardElement struct {
	Type      string        `json:"type"`
	Inlines   []textRun     `json:"inlines,omitempty"`
	Items     []cardElement `json:"items,omitempty"`
	Style     string        `json:"style,omitempty"`
	Separator bool          `json:"separator,omitempty"`
	Spacing   string        `json:"spacing,omitempty"`
}

type textRun struct {
	Type     string `json:"type"` // TextRun
	Text     string `json:"text"`
	Weight   string `json:"weight,omitempty"`
	Size     string `json:"size,omitempty"`
	Color    string `json:"color,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
}

type cardAction struct {
	Type  string `json:"type"` // Action.OpenUrl
	Title string `json:"title"`
	URL   string `json:"url"`
}

func run(s string) textRun { return textRun{Type: "TextRun", Text: CardText(s)} }

func bold(s string) textRun {
	t := run(s)
	t.Weight = "Bolder"
	return t
}

func subtle(s string) textRun {
	t := run(s)
	t.IsSubtle = true
	return t
}

func rich(runs ...textRun) cardElement { return cardElement{Type: "RichTextBlock", Inlines: runs} }

// TeamsPayload is the JSON body for a Microsoft Teams workflow webhook
// ("Post to a channel when a webhook request is received"): a message
// with one Adaptive Card holding what SlackPayload says. It keeps under
// TeamsBudget bytes whatever the report's size: apps (alerted ones first)
// and alerts that do not fit end in "…and N more".
func TeamsPayload(r report.Report, link string) ([]byte, error) {
	d := newDigest(r)
	card := adaptiveCard{
		Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
		Type:    "AdaptiveCard",
		Version: AdaptiveCardVersion,
		MSTeams: map[string]any{"width": "Full"},
	}
	title := bold("Kinsta report: " + d.Report)
	title.Size = "Large"
	card.Body = append(card.Body, rich(title))
	for _, p := range d.Periods {
		card.Body = append(card.Body, rich(bold(p.Title+" "), run(p.Range)))
	}
	if d.Generated != "" {
		card.Body = append(card.Body, rich(subtle("Generated "+d.Generated)))
	}

	var tail []cardElement
	if len(d.Notes) > 0 {
		for _, n := range d.Notes {
			tail = append(tail, rich(subtle(n)))
		}
	}
	if link != "" {
		if u := httpLink(link); u != "" {
			card.Actions = []cardAction{{Type: "Action.OpenUrl", Title: "Full report", URL: u}}
		} else {
			tail = append(tail, rich(bold("Full report: "), run(report.DisplayText(link))))
		}
	}
	tail = append(tail, rich(subtle(apiLine(d.API))))

	msg := teamsMessage{Type: "message", Attachments: []teamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
	}}}
	size := func(extra ...cardElement) int {
		c := card
		c.Body = append(append(append([]cardElement(nil), card.Body...), extra...), tail...)
		msg.Attachments[0].Content = c
		b, _ := json.Marshal(msg) // plain structs of strings: cannot fail
		return len(b)
	}
	elemSize := func(e cardElement) int {
		b, _ := json.Marshal(e)
		return len(b) + 1 // and a comma
	}
	// Reserve the period headings, the "more" lines and a missing-data line
	// per period, then fill with alerts and apps in that order.
	used := size()
	reserve := 0
	for _, p := range d.Periods {
		reserve += elemSize(periodHeading(p)) + elemSize(rich(subtle(moreApps(len(p.rows()))))) +
			elemSize(rich(subtle(missingSummary(p.Missing))))
	}
	free := TeamsBudget - used - reserve - elemSize(rich(subtle(moreAlerts(len(d.Alerts)))))

	if len(d.Alerts) > 0 {
		alerts := cardElement{Type: "Container", Style: "attention", Items: []cardElement{rich(bold(d.AlertHeadline))}}
		free -= elemSize(alerts)
		// The alerts take at most a quarter of the room: the figures are
		// the rest of the story.
		room := free / 4
		for i, a := range d.Alerts {
			e := rich(bold(a.App+" "), run(a.Text))
			if s := elemSize(e); s <= room {
				alerts.Items = append(alerts.Items, e)
				free, room = free-s, room-s
				continue
			}
			alerts.Items = append(alerts.Items, rich(subtle(moreAlerts(len(d.Alerts)-i))))
			break
		}
		card.Body = append(card.Body, alerts)
	}
	for _, p := range d.Periods {
		card.Body = append(card.Body, periodHeading(p))
		rows := p.rows()
		for i, a := range rows {
			e := teamsAppLine(a)
			if s := elemSize(e); s <= free {
				card.Body = append(card.Body, e)
				free -= s
				continue
			}
			card.Body = append(card.Body, rich(subtle(moreApps(len(rows)-i))))
			break
		}
		if len(p.Missing) > 0 {
			card.Body = append(card.Body, rich(subtle(missingSummary(p.Missing))))
		}
		for _, n := range p.Notes {
			if e := rich(subtle(n)); elemSize(e) <= free {
				card.Body = append(card.Body, e)
				free -= elemSize(e)
			}
		}
	}
	card.Body = append(card.Body, tail...)
	msg.Attachments[0].Content = card
	b, err := marshal(msg)
	if err != nil {
		return nil, err
	}
	if len(b) > TeamsMaxBytes {
		return nil, fmt.Errorf("teams card is %d bytes, above the %d-byte limit", len(b), TeamsMaxBytes)
	}
	return b, nil
}

func periodHeading(p periodDigest) cardElement {
	h := rich(bold(p.Title+" "), run(p.Range))
	if p.Previous != "" {
		h.Inlines = append(h.Inlines, subtle(", change against "+p.Previous))
	}
	h.Separator, h.Spacing = true, "Medium"
	return h
}

// teamsAppLine is the app in bold, then its figures in one run (a run
// per figure would cost a third of the card's room in JSON alone).
func teamsAppLine(a appRow) cardElement {
	label := a.Label
	if a.Alerted {
		label = "⚠ " + label
	}
	e := rich(bold(label))
	if a.Name != "" {
		e.Inlines = append(e.Inlines, subtle(" ("+a.Name+")"))
	}
	var b strings.Builder
	for i, c := range a.Cells {
		if i == 0 {
			b.WriteString("  ")
		} else {
			b.WriteString(" · ")
		}
		b.WriteString(c.line())
	}
	e.Inlines = append(e.Inlines, run(b.String()))
	return e
}
