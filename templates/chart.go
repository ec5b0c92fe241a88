package templates

import _ "embed" // for the //go:embed directives below

// EChartsJS is a custom build of Apache ECharts 5.6.0 (Apache-2.0; see
// ECHARTS_LICENSE and ECHARTS_NOTICE) with only what the HTML report draws:
// line and bar series, the grid, the axis tooltip, the scrolling legend and
// the SVG renderer (514 kB against 1,034 kB for the full dist/echarts.min.js).
// echarts-build/build.sh made it from the npm packages and documents how; the
// built file is committed and nothing rebuilds it. The HTML report carries
// it packed (gzip, base64: report/chart/pack.go) so that it works with no
// network, and runs it when the first chart is drawn. It defines one
// global, echarts.
//
//go:embed echarts.min.js
var EChartsJS string

// EChartsVersion is the version of EChartsJS.
const EChartsVersion = "5.6.0"

// EChartsLicense and EChartsNotice are the licence and notice that come with
// EChartsJS; the HTML report names them and a distribution ships them.
//
//go:embed ECHARTS_LICENSE
var EChartsLicense string

//go:embed ECHARTS_NOTICE
var EChartsNotice string

// ReportHTML is the html/template of the HTML report (report/chart).
//
//go:embed report.html.tmpl
var ReportHTML string
