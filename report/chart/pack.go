package chart

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"html/template"
	"sync"

	"github.com/kinsta-report/kinsta-report/templates"
)

// The HTML report carries ECharts and the chart data gzip-compressed and
// base64-encoded, each in an inert <script type="application/gzip">; the
// page's script unpacks them with the browser's DecompressionStream after
// the text is on screen. A 200-app month is 4.2 MB as plain text and
// 1.2 MB packed: the browser reads (and a mail carries, base64 again) a
// third of the bytes, and nothing of the 3 MB of numbers stands between
// opening the file and seeing its tables.
//
// Base64's alphabet (A-Z a-z 0-9 + / =) holds no character that ends a
// <script> element or that HTML would read as markup, so the packed text is
// written as is (template.HTML: html/template would turn "+" into "&#43;",
// which a script element does not decode).

// pack returns b gzip-compressed and base64-encoded.
func pack(b []byte) template.HTML {
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression) // a valid level: no error
	_, _ = zw.Write(b)                                     // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return template.HTML(base64.StdEncoding.EncodeToString(z.Bytes()))
}

// packedECharts is templates.EChartsJS packed, once per process.
var packedECharts = sync.OnceValue(func() template.HTML { return pack([]byte(templates.EChartsJS)) })
