package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kinsta-report/kinsta-report/report"
)

// Slack's published limits for a message's blocks
// (https://api.slack.com/reference/block-kit/blocks): a message holds at
// most 50 blocks, a section's text at most 3000 characters, a header's
// plain text at most 150, a context block at most 10 elements.
const (
	SlackMaxBlocks      = 50
	SlackMaxSectionText = 3000
	SlackMaxHeaderText  = 150
	SlackMaxContextElem = 10
	// SlackMaxTotalText is what SlackPayload keeps the characters of all
	// its texts under. Slack documents no total for blocks, but answers
	// msg_blocks_too_long from about 13,200 (slackapi/bolt-js#2509).
	SlackMaxTotalText = 12000
)

// slackSectionBudget leaves a margin under SlackMaxSectionText for how
// Slack counts characters (entities, emoji).
const slackSectionBudget = 2900

type slackText struct {
	Type     string `json:"type"` // mrkdwn | plain_text
	Text     string `json:"text"`
	Verbatim bool   `json:"verbatim,omitempty"`
}

type slackBlock struct {
	Type     string      `json:"type"` // header | section | context | divider
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	// Text is the notification's text (and what clients without blocks
	// show).
	Text        string       `json:"text"`
	Blocks      []slackBlock `json:"blocks"`
	UnfurlLinks bool         `json:"unfurl_links"`
	UnfurlMedia bool         `json:"unfurl_media"`
}

func mrkdwn(s string) *slackText {
	return &slackText{Type: "mrkdwn", Text: cut(s, slackSectionBudget), Verbatim: true}
}

func slackSection(s string) slackBlock { return slackBlock{Type: "section", Text: mrkdwn(s)} }

func slackContext(lines ...string) slackBlock {
	b := slackBlock{Type: "context"}
	for _, l := range lines {
		if len(b.Elements) == SlackMaxContextElem {
			break
		}
		b.Elements = append(b.Elements, *mrkdwn(l))
	}
	return b
}

// SlackPayload is the JSON body for a Slack incoming webhook: a Block Kit
// message with the report's period, its alerts first, the headline
// figures per app with their change, and where the full report is (link:
// an http(s) URL is linked, any other text is shown as it is; empty leaves
// it out). It keeps to Slack's limits whatever the report's size: apps
// (alerted ones first) and alerts that do not fit end in "…and N more".
func SlackPayload(r report.Report, link string) ([]byte, error) {
	d := newDigest(r)
	e := SlackEscape

	head := []slackBlock{{Type: "header", Text: &slackText{Type: "plain_text", Text: cut("Kinsta report: "+d.Report, SlackMaxHeaderText)}}}
	var ctx []string
	for _, p := range d.Periods {
		ctx = append(ctx, "*"+e(p.Title)+"* "+e(p.Range))
	}
	if d.Generated != "" {
		ctx = append(ctx, "Generated "+e(d.Generated))
	}
	if len(ctx) > 0 {
		head = append(head, slackContext(ctx...))
	}
	if len(d.Alerts) > 0 {
		lines := make([]string, len(d.Alerts))
		for i, a := range d.Alerts {
			lines[i] = "• *" + e(a.App) + "* " + e(a.Text)
		}
		sec := pack(lines, 1, slackSectionBudget-textLen(d.AlertHeadline)-30, slackAlertText, moreAlerts)
		head = append(head, slackSection(":rotating_light: *"+e(d.AlertHeadline)+"*\n"+sec[0]))
	}

	var tail []slackBlock
	if len(d.Notes) > 0 {
		notes := make([]string, len(d.Notes))
		for i, n := range d.Notes {
			notes[i] = e(n)
		}
		tail = append(tail, slackContext(notes...))
	}
	if link != "" {
		if u := httpLink(link); u != "" {
			tail = append(tail, slackSection("*Full report:* <"+slackURL(u)+"|open>"))
		} else {
			tail = append(tail, slackSection("*Full report:* "+e(report.DisplayText(link))))
		}
	}
	tail = append(tail, slackContext(e(apiLine(d.API))))

	// Each period: a heading section, its app sections, and a context
	// block for missing data and notes. The apps share what is left of
	// the 50 blocks; each period gets at least one section.
	fixed := len(head) + len(tail)
	for _, p := range d.Periods {
		fixed++ // heading
		if len(p.Missing) > 0 || len(p.Notes) > 0 {
			fixed++
		}
	}
	budget := SlackMaxBlocks - fixed
	type periodParts struct {
		heading string
		lines   []string
		notes   []string
	}
	parts := make([]periodParts, len(d.Periods))
	chars := textsLen(head) + textsLen(tail)
	for i, p := range d.Periods {
		pp := &parts[i]
		pp.heading = "*" + e(p.Title) + "* · " + e(p.Range)
		if p.Previous != "" {
			pp.heading += "\nChange against " + e(p.Previous)
		}
		for _, a := range p.rows() {
			pp.lines = append(pp.lines, slackAppLine(a))
		}
		if len(p.Missing) > 0 {
			pp.notes = append(pp.notes, ":grey_question: "+e(missingSummary(p.Missing)))
		}
		for _, n := range p.Notes {
			pp.notes = append(pp.notes, e(n))
		}
		chars += textLen(pp.heading) + textsLen([]slackBlock{slackContext(pp.notes...)})
	}
	left := SlackMaxTotalText - chars // for the apps' lines
	blocks := head
	for i, pp := range parts {
		blocks = append(blocks, slackBlock{Type: "divider"}, slackSection(pp.heading))
		budget-- // the divider
		later := len(parts) - i - 1
		// A later period needs its divider and a section, and a share of
		// the characters.
		n := max(budget-later*2, 1)
		share := max(left/(later+1), left-later*slackSectionBudget)
		secs := pack(pp.lines, n, slackSectionBudget, share, moreApps)
		for _, s := range secs {
			blocks = append(blocks, slackSection(s))
			left -= textLen(s)
		}
		budget -= len(secs)
		if len(pp.notes) > 0 {
			blocks = append(blocks, slackContext(pp.notes...))
		}
	}
	blocks = append(blocks, tail...)
	if len(blocks) > SlackMaxBlocks {
		// Too many periods for one message: keep the head and the tail.
		keep := SlackMaxBlocks - len(tail) - 1
		blocks = append(append(blocks[:keep:keep], slackSection("…more periods in the full report")), tail...)
	}

	text := "Kinsta report " + e(d.Report)
	if d.AlertHeadline != "" {
		text += ": " + e(d.AlertHeadline)
	} else if len(d.Periods) > 0 {
		text += ": " + e(d.Periods[0].Title) + " " + e(d.Periods[0].Range)
	}
	return marshal(slackMessage{Text: text, Blocks: blocks})
}

// slackAlertText caps the alert section's share of SlackMaxTotalText.
const slackAlertText = slackSectionBudget

// textsLen is the characters of every text in blocks.
func textsLen(blocks []slackBlock) int {
	n := 0
	for _, b := range blocks {
		if b.Text != nil {
			n += textLen(b.Text.Text)
		}
		for _, e := range b.Elements {
			n += textLen(e.Text)
		}
	}
	return n
}

// slackAppLine is "• *App* (`name`) Bandwidth 27.4 GB ▲ +25.0% · …".
func slackAppLine(a appRow) string {
	var b strings.Builder
	if a.Alerted {
		b.WriteString(":warning: *")
	} else {
		b.WriteString("• *")
	}
	b.WriteString(SlackEscape(a.Label))
	b.WriteString("*")
	if a.Name != "" {
		b.WriteString(" (" + SlackEscape(a.Name) + ")")
	}
	for i, c := range a.Cells {
		if i == 0 {
			b.WriteString("  ")
		} else {
			b.WriteString(" · ")
		}
		b.WriteString(SlackEscape(c.line()))
	}
	return b.String()
}

// slackURL makes an http(s) URL safe inside <url|text>: httpLink already
// refused "<", ">", "|" and spaces; "&" is escaped as Slack asks.
func slackURL(u string) string { return strings.ReplaceAll(u, "&", "&amp;") }

// pack joins lines into at most maxBlocks texts of at most limit
// characters each and total characters in all (textLen), one line each
// line. Lines that do not fit are counted in a last line made by more(n).
func pack(lines []string, maxBlocks, limit, total int, more func(int) string) []string {
	if maxBlocks < 1 || len(lines) == 0 {
		return nil
	}
	moreLen := textLen(more(len(lines)))
	if total < moreLen+1 {
		return nil
	}
	var out []string
	var cur []string
	curLen, done := 0, 0 // done: the characters of the texts in out
	for i, l := range lines {
		l = cut(l, limit-moreLen-1)
		need := textLen(l)
		if len(cur) > 0 {
			need++ // the newline
		}
		if curLen+need <= limit && done+curLen+need <= total {
			cur, curLen = append(cur, l), curLen+need
			continue
		}
		if len(out)+1 < maxBlocks && done+curLen+textLen(l) <= total {
			out = append(out, strings.Join(cur, "\n"))
			done += curLen
			cur, curLen = []string{l}, textLen(l)
			continue
		}
		// The last text: make room for the "…and N more" line.
		left := len(lines) - i
		for len(cur) > 0 && (curLen+1+textLen(more(left)) > limit || done+curLen+1+textLen(more(left)) > total) {
			curLen -= textLen(cur[len(cur)-1]) + 1
			cur = cur[:len(cur)-1]
			left++
		}
		cur = append(cur, more(left))
		return append(out, strings.Join(cur, "\n"))
	}
	return append(out, strings.Join(cur, "\n"))
}

// marshal is json.Marshal without HTML escaping (the payloads are not
// HTML; "&lt;" must reach Slack as is, not as "\u0026lt;").
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode payload: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
