package notify

import (
	"strings"
	"unicode/utf16"
)

// slackReplacer escapes the three characters Slack's mrkdwn reserves
// (https://api.slack.com/reference/surfaces/formatting#escaping): with
// them escaped, "<!channel>" cannot ping and "<https://x|y>" cannot form
// a link. Slack decodes the entities, so the reader sees the name as it is.
var slackReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// SlackEscape escapes s for a Slack mrkdwn text object. Texts we build
// also set "verbatim": true, so a bare URL, #channel or @name in s is not
// turned into a link or a mention either.
func SlackEscape(s string) string { return slackReplacer.Replace(s) }

// MarkdownEscape escapes s for GitHub-flavoured Markdown, inside a table
// cell or running text: every ASCII punctuation character CommonMark lets
// a backslash escape is escaped. So "|" cannot end a table cell, "`"
// cannot open code, "](javascript:" cannot form a link, "<img>" is not
// HTML, "*" and "_" do not emphasise, and "www." or "http:" are not
// autolinked (the autolink rule needs them unescaped). A line break
// becomes a space: a cell is one line.
func MarkdownEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n':
			b.WriteByte(' ')
		case r < 0x80 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CardText makes s safe for an Adaptive Card TextRun. TextRuns take no
// Markdown (the schema: "RichTextBlock does not support Markdown"), and
// Adaptive Cards have no HTML, so the one thing left to defuse is the
// {{DATE(…)}} / {{TIME(…)}} substitution: a zero-width space between the
// braces keeps "{{" from starting one.
func CardText(s string) string {
	return strings.ReplaceAll(s, "{{", "{\u200b{")
}

// textLen is the length Slack's limits are counted in, conservatively: in
// UTF-16 code units, so an emoji counts twice.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// cut shortens s to at most n UTF-16 units, ending it with "…" when cut.
func cut(s string, n int) string {
	if textLen(s) <= n {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		l := max(utf16.RuneLen(r), 1)
		if used+l > n-1 {
			break
		}
		b.WriteRune(r)
		used += l
	}
	out := b.String()
	// Never leave half an entity ("&am") behind.
	if i := strings.LastIndexByte(out, '&'); i >= 0 && !strings.Contains(out[i:], ";") {
		out = out[:i]
	}
	return out + "…"
}
