// Package templates embeds the templates and static assets the renderers
// use (the HTML report's template and the vendored ECharts script, the
// email bodies), so the binary needs no files beside it at run time.
package templates
