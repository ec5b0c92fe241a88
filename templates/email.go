package templates

import _ "embed"

// EmailHTML is the html/template source of the email's HTML body: the
// report at a glance, table-based with inline CSS so that mail clients
// (Outlook's Word engine included) show it as intended.
//
//go:embed email.html.tmpl
var EmailHTML string

// EmailText is the text/template source of the email's text/plain part; it
// says what the HTML body says.
//
//go:embed email.txt.tmpl
var EmailText string
